"""GetSolutionMetrics' metric names and the ranking metrics behind them, computed per user.

Personalize scores a solution version's top 25 recommendations for held-out users against the
items they went on to interact with (developer guide, "Evaluating a solution version"):
precision at 5, 10 and 25, normalized discounted cumulative gain (binary relevance, the ideal
ranking putting every relevant item first) at the same cut-offs, the mean reciprocal rank of
the first hit in the top 25, and coverage, the share of the catalogue recommended at all. The
pipeline's holdout gate and the local service's GetSolutionMetrics both compute them here.
"""

from __future__ import annotations

import numpy as np

METRIC_NAMES = (
    "coverage",
    "mean_reciprocal_rank_at_25",
    "normalized_discounted_cumulative_gain_at_5",
    "normalized_discounted_cumulative_gain_at_10",
    "normalized_discounted_cumulative_gain_at_25",
    "precision_at_5",
    "precision_at_10",
    "precision_at_25",
)
"""The keys GetSolutionMetrics reports (botocore's model; the developer guide's metric list)."""

K_VALUES = (5, 10, 25)
TOP = max(K_VALUES)
RANKING = ("precision", "recall", "normalized_discounted_cumulative_gain", "hit_rate")
PER_USER_METRICS = (
    *(f"{name}_at_{k}" for k in K_VALUES for name in RANKING),
    "mean_reciprocal_rank_at_25",
)
"""The metrics :func:`ranking_metrics` computes for each user."""

_DISCOUNTS = 1.0 / np.log2(np.arange(2, TOP + 2))
_IDEAL = np.concatenate([[0.0], np.cumsum(_DISCOUNTS)])


def ranking_metrics(hits: np.ndarray, relevant: np.ndarray) -> dict[str, np.ndarray]:
    """Each of ``PER_USER_METRICS`` per user, from a users x 25 grid of hits (1 where the item
    at that rank is relevant) and how many relevant items each user has (at least 1)."""
    relevant = np.maximum(np.asarray(relevant, dtype=np.float64), 1.0)
    columns: dict[str, np.ndarray] = {}
    for k in K_VALUES:
        found = hits[:, :k].sum(axis=1)
        columns[f"precision_at_{k}"] = found / k
        columns[f"recall_at_{k}"] = found / relevant
        best = _IDEAL[np.minimum(relevant, k).astype(np.int64)]
        columns[f"normalized_discounted_cumulative_gain_at_{k}"] = (
            hits[:, :k] @ _DISCOUNTS[:k] / best
        )
        columns[f"hit_rate_at_{k}"] = (found > 0).astype(np.float64)
    first = np.where(hits.any(axis=1), hits.argmax(axis=1) + 1, np.inf)
    columns["mean_reciprocal_rank_at_25"] = 1.0 / first
    return {name: columns[name] for name in PER_USER_METRICS}
