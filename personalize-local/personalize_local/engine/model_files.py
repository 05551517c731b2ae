"""Trained models on disk under the data directory, and an in-memory cache for serving.

Models are pickled files written by this service only (never loaded from elsewhere), replaced
atomically, so a restarted service serves what it trained before.
"""

from __future__ import annotations

import gc
import hashlib
import os
import pickle
import threading
from pathlib import Path

from personalize_local.engine.model import Model
from personalize_local.service import Service

_CACHE: dict[tuple[str, str], Model] = {}
_LOCK = threading.Lock()


def model_path(service: Service, solution_version_arn: str) -> Path:
    """Where a solution version's model is kept."""
    key = hashlib.sha1(solution_version_arn.encode()).hexdigest()[:16]
    return service.store.files("models", key) / "model.pkl"


def save_model(service: Service, solution_version_arn: str, model: Model) -> None:
    """Write a trained model atomically."""
    path = model_path(service, solution_version_arn)
    tmp = path.with_suffix(".tmp")
    with tmp.open("wb") as out:
        pickle.dump(model, out, protocol=pickle.HIGHEST_PROTOCOL)
    os.replace(tmp, path)


def load_model(service: Service, solution_version_arn: str) -> Model:
    """The model of a solution version, from memory or disk (FileNotFoundError if none)."""
    key = (str(service.settings.data_dir), solution_version_arn)
    cached = _CACHE.get(key)
    if cached is not None:
        return cached
    with _LOCK:
        if key not in _CACHE:
            with model_path(service, solution_version_arn).open("rb") as source:
                _CACHE[key] = pickle.load(source)
            # Models hold large long-lived id indexes: move them out of the cyclic garbage
            # collector's view, or every full collection walks them all (the runtime's p99).
            gc.collect()
            gc.freeze()
        return _CACHE[key]


def forget_model(service: Service, solution_version_arn: str) -> None:
    """Drop a model from memory and disk (its solution was deleted)."""
    _CACHE.pop((str(service.settings.data_dir), solution_version_arn), None)
    model_path(service, solution_version_arn).unlink(missing_ok=True)
