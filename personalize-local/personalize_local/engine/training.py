"""Train a solution version: measure on a held-out split, then fit on everything."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from personalize_local.engine.fit import fit
from personalize_local.engine.metrics import evaluate, split
from personalize_local.engine.model import Model

MIN_INTERACTIONS = 1000
MIN_USERS_WITH_TWO = 25


class TrainingError(Exception):
    """The data cannot train this recipe; the message says why and what to do."""


@dataclass(frozen=True)
class Trained:
    """A model fitted on all the data, and the metrics measured on the held-out split."""

    model: Model
    metrics: dict[str, float]


def check_minimums(interactions: pd.DataFrame) -> None:
    """Personalize's minimum: 1000 interactions, 25 users with at least two each."""
    if len(interactions) < MIN_INTERACTIONS:
        raise TrainingError(
            f"Training needs at least {MIN_INTERACTIONS} interactions after the solution's "
            f"eventType/eventValueThreshold; the dataset group has {len(interactions)}. "
            "Import more interactions (or send events) and train again."
        )
    sizes = interactions.groupby("USER_ID").size()
    users = int((sizes >= 2).sum())
    if users < MIN_USERS_WITH_TWO:
        raise TrainingError(
            f"Training needs at least {MIN_USERS_WITH_TWO} users with two or more "
            f"interactions; the dataset group has {users}."
        )


def train(
    model_kind: str,
    interactions: pd.DataFrame,
    catalogue: np.ndarray,
    hyperparameters: Mapping[str, str],
    should_stop: Callable[[], bool] = lambda: False,
    seed: int = 0,
) -> Trained | None:
    """Fit the recipe's model; None if ``should_stop`` turned true between the two fits."""
    check_minimums(interactions)
    held_out = split(interactions, seed)
    measured = fit(model_kind, held_out.train, catalogue, hyperparameters)
    metrics = evaluate(measured, held_out.test, len(catalogue))
    if should_stop():
        return None
    final = fit(model_kind, interactions, catalogue, hyperparameters, warm=measured)
    return Trained(final, metrics)
