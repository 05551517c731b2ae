"""Ranking metrics per user, from recommendation lists and the interactions held out for them.

1. The held-out interactions are reduced to distinct (user, item) pairs: what each user went on
   to interact with after the cutoff.
2. The recommendation lists (user, rank, item; rank 0 for an empty list, as
   ``tasks.batch_files.read_output`` gives them) are joined to those pairs, marking each
   recommended item a hit or not.
3. Per user and for k in 5, 10, 25: precision@k, recall@k, NDCG@k and hit rate@k, and the
   reciprocal rank of the first hit in the top 25, as the local service's GetSolutionMetrics
   computes them (:mod:`personalize_facts.metrics`). Users with no list score 0 everywhere.
4. Catalogue coverage is not per user: the share of the catalogue in at least one top-k list.

Names follow GetSolutionMetrics' keys where one exists (``precision_at_10``,
``normalized_discounted_cumulative_gain_at_10``, ``mean_reciprocal_rank_at_25``).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from personalize_facts.metrics import TOP, ranking_metrics


def per_user_metrics(recommendations: pd.DataFrame, holdout: pd.DataFrame) -> pd.DataFrame:
    """One row per held-out user (sorted), one column per name of ``personalize_facts.metrics.PER_USER_METRICS``."""
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
    return pd.DataFrame(ranking_metrics(grid, wanted), index=users)


def coverage(recommendations: pd.DataFrame, catalogue: Sequence[str], k: int = TOP) -> float:
    """The share of the catalogue that appears in at least one user's top ``k``."""
    if not len(catalogue):
        return 0.0
    shown = recommendations.loc[
        (recommendations["rank"] >= 1) & (recommendations["rank"] <= k), "item"
    ]
    return len(set(shown.astype(str)) & set(map(str, catalogue))) / len(set(catalogue))
