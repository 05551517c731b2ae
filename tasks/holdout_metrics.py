"""Ranking metrics per user, from recommendation lists and the interactions held out for them.

1. The held-out interactions are reduced to distinct (user, item) pairs: what each user went on
   to interact with after the cutoff.
2. The recommendation lists (user, rank, item; rank 0 for an empty list, as
   ``flows.batch_files.read_output`` gives them) are joined to those pairs, marking each
   recommended item a hit or not.
3. Per user and for k in 5, 10, 25: precision@k, recall@k, NDCG@k (binary relevance, the ideal
   ranking putting every held-out item first) and hit rate@k; and the reciprocal rank of the
   first hit in the top 25. Users with no list score 0 everywhere.
4. Catalogue coverage is not per user: the share of the catalogue in at least one top-k list.

Names follow GetSolutionMetrics' keys where one exists (``precision_at_10``,
``normalized_discounted_cumulative_gain_at_10``, ``mean_reciprocal_rank_at_25``).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

K_VALUES = (5, 10, 25)
TOP = max(K_VALUES)
RANKING = ("precision", "recall", "normalized_discounted_cumulative_gain", "hit_rate")
PER_USER_METRICS = (
    *(f"{name}_at_{k}" for k in K_VALUES for name in RANKING),
    "mean_reciprocal_rank_at_25",
)
"""The metrics :func:`per_user_metrics` computes, each a mean over users when aggregated."""


def per_user_metrics(recommendations: pd.DataFrame, holdout: pd.DataFrame) -> pd.DataFrame:
    """One row per held-out user (sorted), one column per name of ``PER_USER_METRICS``."""
    relevant = holdout[["USER_ID", "ITEM_ID"]].astype(str).drop_duplicates()
    users = pd.Index(np.sort(relevant["USER_ID"].unique()), name="user")
    wanted = relevant.groupby("USER_ID").size().reindex(users).to_numpy(dtype=np.float64)
    lists = recommendations[(recommendations["rank"] >= 1) & (recommendations["rank"] <= TOP)]
    lists = lists.astype({"user": str, "item": str})
    hits = lists.merge(
        relevant.rename(columns={"USER_ID": "user", "ITEM_ID": "item"}),
        on=["user", "item"],
        how="inner",
    )
    row = users.get_indexer(hits["user"])
    hits = hits[row >= 0]
    row = row[row >= 0]
    rank = hits["rank"].to_numpy(dtype=np.int64)
    grid = np.zeros((len(users), TOP + 1))  # grid[u, r] = 1 when the item at rank r is a hit
    grid[row, rank] = 1.0
    grid = grid[:, 1:]
    discounts = 1.0 / np.log2(np.arange(2, TOP + 2))
    ideal = np.concatenate([[0.0], np.cumsum(discounts)])
    columns: dict[str, np.ndarray] = {}
    for k in K_VALUES:
        found = grid[:, :k].sum(axis=1)
        columns[f"precision_at_{k}"] = found / k
        columns[f"recall_at_{k}"] = found / wanted
        best = ideal[np.minimum(wanted, k).astype(np.int64)]
        columns[f"normalized_discounted_cumulative_gain_at_{k}"] = (
            grid[:, :k] @ discounts[:k] / best
        )
        columns[f"hit_rate_at_{k}"] = (found > 0).astype(np.float64)
    first = np.where(grid.any(axis=1), grid.argmax(axis=1) + 1, np.inf)
    columns["mean_reciprocal_rank_at_25"] = 1.0 / first
    return pd.DataFrame(columns, index=users)[list(PER_USER_METRICS)]


def coverage(recommendations: pd.DataFrame, catalogue: Sequence[str], k: int = TOP) -> float:
    """The share of the catalogue that appears in at least one user's top ``k``."""
    if not len(catalogue):
        return 0.0
    shown = recommendations.loc[
        (recommendations["rank"] >= 1) & (recommendations["rank"] <= k), "item"
    ]
    return len(set(shown.astype(str)) & set(map(str, catalogue))) / len(set(catalogue))
