"""Fitting each model kind on interactions encoded as a users x items matrix.

EASE (Steck, 2019) is closed form and strong on catalogues that fit in memory as a dense
items x items matrix; beyond ``EASE_MAX_ITEMS`` items ALS from ``implicit`` takes over, with BLAS
threads limited so a training does not starve the service's request handling.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
import scipy.sparse as sp
from threadpoolctl import threadpool_limits

from personalize_local.engine.model import Model, ModelKind

EASE_MAX_ITEMS = 4000
EASE_LAMBDA = 100.0
ALS_ITERATIONS = 8
ALS_REFINE_ITERATIONS = 2
ALS_ALPHA = 10.0
ALS_REGULARIZATION = 0.05
SIMILAR_NEIGHBOURS = 100
TRAINING_THREADS = 2
SECONDS = {"min": 60, "mins": 60, "minute": 60, "minutes": 60, "hour": 3600, "hours": 3600,
           "day": 86_400, "days": 86_400}  # fmt: skip


def check_hyperparameters(hyperparameters: Mapping[str, str]) -> None:
    """Raise ValueError naming the first hyperparameter this engine reads but cannot parse."""
    checks = {
        "hidden_dimension": lambda v: int(v) >= 1,
        "popularity_discount_factor": lambda v: 0.0 <= float(v) <= 1.0,
        "min_cointeraction_count": lambda v: float(v) >= 0,
        "trend_discovery_frequency": lambda v: parse_window(v) > 0,
    }
    for name, valid in checks.items():
        if name not in hyperparameters:
            continue
        try:
            ok = valid(hyperparameters[name])
        except ValueError:
            ok = False
        if not ok:
            raise ValueError(
                f"{name} {hyperparameters[name]!r} is not valid (e.g. hidden_dimension '32', "
                "popularity_discount_factor between 0 and 1, trend_discovery_frequency '1 day')."
            )


def encode(
    interactions: pd.DataFrame, item_ids: np.ndarray
) -> tuple[np.ndarray, sp.csr_matrix, np.ndarray]:
    """(user ids, binary users x items matrix, interaction counts per item) over ``item_ids``."""
    items = pd.Index(item_ids)
    cols = items.get_indexer(interactions["ITEM_ID"])
    known = cols >= 0
    rows, users = pd.factorize(interactions["USER_ID"].to_numpy()[known], sort=True)
    cols = cols[known]
    counts = np.bincount(cols, minlength=len(items)).astype(np.float32)
    matrix = sp.csr_matrix(
        (np.ones(len(cols), dtype=np.float32), (rows, cols)), shape=(len(users), len(items))
    )
    matrix.data[:] = 1.0  # duplicates summed by the constructor count once
    return np.asarray(users, dtype=object), matrix, counts


def fit(
    kind: str,
    interactions: pd.DataFrame,
    item_ids: np.ndarray,
    hyperparameters: Mapping[str, str],
    warm: Model | None = None,
) -> Model:
    """Fit the model kind of a recipe (personalization, similar-items, popularity, trending).

    ``warm``: a model fitted on part of the same data (the held-out split's), whose ALS factors
    a few more iterations refine instead of starting over.
    """
    users, history, counts = encode(interactions, item_ids)
    if kind == "personalization":
        return _collaborative(users, history, counts, item_ids, hyperparameters, warm)
    if kind == "similar-items":
        return _similar_items(users, history, counts, item_ids, hyperparameters)
    if kind == "trending":
        recent = _recent(interactions, hyperparameters)
        trending = encode(recent, item_ids)[2]
        return _counts("trending", users, history, trending + counts * 1e-6, item_ids)
    return _counts("popularity", users, history, counts, item_ids)


def _popularity_scores(counts: np.ndarray) -> np.ndarray:
    return (counts / max(float(counts.max(initial=0.0)), 1.0)).astype(np.float32)


def _counts(
    kind: ModelKind,
    users: np.ndarray,
    history: sp.csr_matrix,
    counts: np.ndarray,
    items: np.ndarray,
) -> Model:
    return Model(kind, items, users, history, _popularity_scores(counts))


def _collaborative(
    users: np.ndarray,
    history: sp.csr_matrix,
    counts: np.ndarray,
    items: np.ndarray,
    hyperparameters: Mapping[str, str],
    warm: Model | None,
) -> Model:
    popularity = _popularity_scores(counts)
    if len(items) <= EASE_MAX_ITEMS:
        with threadpool_limits(TRAINING_THREADS):
            gram = (history.T @ history).toarray().astype(np.float64)
            gram[np.diag_indices_from(gram)] += EASE_LAMBDA
            inverse = np.linalg.inv(gram)
            weights = -inverse / np.diag(inverse)
            weights[np.diag_indices_from(weights)] = 0.0
        return Model("ease", items, users, history, popularity, weights=weights.astype(np.float32))
    from implicit.cpu.als import AlternatingLeastSquares

    factors = int(hyperparameters.get("hidden_dimension", "32"))
    refine = (
        warm is not None
        and warm.kind == "als"
        and warm.user_factors is not None
        and warm.user_factors.shape[1] == factors
        and np.array_equal(warm.user_ids, users)
        and np.array_equal(warm.item_ids, items)
    )
    with threadpool_limits(1, "blas"):
        model = AlternatingLeastSquares(
            factors=factors,
            iterations=ALS_REFINE_ITERATIONS if refine else ALS_ITERATIONS,
            regularization=ALS_REGULARIZATION,
            random_state=0,
            num_threads=TRAINING_THREADS,
        )
        if refine:
            assert warm is not None
            assert warm.user_factors is not None and warm.weights is not None
            model.user_factors, model.item_factors = warm.user_factors.copy(), warm.weights.copy()
        model.fit((history * ALS_ALPHA).tocsr(), show_progress=False)
    return Model(
        "als",
        items,
        users,
        history,
        popularity,
        weights=np.asarray(model.item_factors, dtype=np.float32),
        user_factors=np.asarray(model.user_factors, dtype=np.float32),
    )


def _similar_items(
    users: np.ndarray,
    history: sp.csr_matrix,
    counts: np.ndarray,
    items: np.ndarray,
    hyperparameters: Mapping[str, str],
) -> Model:
    """Co-occurrence divided by popularity ** discount (SIMS' popularity_discount_factor)."""
    discount = float(hyperparameters.get("popularity_discount_factor", "0.5"))
    min_count = float(hyperparameters.get("min_cointeraction_count", "1"))
    co = (history.T @ history).tocsr().astype(np.float32)
    co.setdiag(0.0)
    co.data[co.data < min_count] = 0.0
    co.eliminate_zeros()
    scale = np.power(np.maximum(counts, 1.0), -discount).astype(np.float32)
    co = (co @ sp.diags(scale)).tocsr()
    return Model(
        "similar-items",
        items,
        users,
        history,
        _popularity_scores(counts),
        neighbours=_keep_top(co, SIMILAR_NEIGHBOURS),
    )


def _keep_top(matrix: sp.csr_matrix, k: int) -> sp.csr_matrix:
    """Keep each row's k largest entries."""
    rows, cols, vals = [], [], []
    for r in range(matrix.shape[0]):
        start, end = matrix.indptr[r], matrix.indptr[r + 1]
        data, idx = matrix.data[start:end], matrix.indices[start:end]
        if len(data) > k:
            best = np.argpartition(-data, k - 1)[:k]
            data, idx = data[best], idx[best]
        rows.append(np.full(len(idx), r))
        cols.append(idx)
        vals.append(data)
    if not rows:
        return sp.csr_matrix(matrix.shape, dtype=np.float32)
    return sp.csr_matrix(
        (np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))), shape=matrix.shape
    )


def _recent(interactions: pd.DataFrame, hyperparameters: Mapping[str, str]) -> pd.DataFrame:
    """The interactions within the trending window before the newest one."""
    window = parse_window(hyperparameters.get("trend_discovery_frequency", "1 day"))
    newest = interactions["TIMESTAMP"].max()
    return interactions[interactions["TIMESTAMP"] > newest - window]


def parse_window(text: str) -> int:
    """Seconds in a window such as ``30 mins``, ``1 hour``, ``3 hours`` or ``1 day``."""
    amount, _, unit = text.strip().partition(" ")
    try:
        return int(float(amount) * SECONDS[unit.strip().lower()])
    except (ValueError, KeyError):
        raise ValueError(
            f"trend_discovery_frequency {text!r} is not a window such as '1 hour' or '1 day'"
        ) from None
