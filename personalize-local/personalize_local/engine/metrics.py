"""Offline metrics as Personalize computes them for a solution version.

From the developer guide: 10% of users are held out; the model is trained on the other users'
interactions plus the oldest 90% of each held-out user's; the newest 10% of each held-out
user's interactions are what its recommendations (top 25, items already seen excluded) are
scored against. The split is seeded by the solution version's ARN (:func:`version_seed`): one
version's metrics are stable across calls and restarts, while two versions trained on the same
data are measured on different random users and differ, as they do on AWS ("randomly selecting
90% of users ... as training data and the other 10% as testing data", developer guide,
Evaluating a solution version).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import numpy as np
import pandas as pd

from personalize_facts.metrics import METRIC_NAMES, TOP, ranking_metrics
from personalize_local.engine.model import Model, top_k_rows

HOLDOUT_USERS = 0.10
HOLDOUT_NEWEST = 0.10
CHUNK = 1024


@dataclass(frozen=True)
class Split:
    """Training interactions and, per held-out user, the items to predict."""

    train: pd.DataFrame
    test: dict[str, set[str]]


def version_seed(version_arn: str) -> int:
    """A seed for the held-out split, stable for one solution version ARN."""
    return int.from_bytes(hashlib.sha256(version_arn.encode()).digest()[:8], "big")


def split(interactions: pd.DataFrame, seed: int = 0) -> Split:
    """Hold out 10% of the users with at least two interactions; keep their newest 10%."""
    codes, users = pd.factorize(interactions["USER_ID"], sort=True)
    order = np.lexsort((interactions["TIMESTAMP"].to_numpy(), codes))
    codes = codes[order]
    sizes = np.bincount(codes, minlength=len(users))
    firsts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    position = np.arange(len(codes)) - firsts[codes]
    eligible = np.flatnonzero(sizes >= 2)
    n_test = max(1, round(len(eligible) * HOLDOUT_USERS)) if len(eligible) else 0
    held = np.zeros(len(users), dtype=bool)
    held[np.random.default_rng(seed).choice(eligible, n_test, replace=False)] = True
    n_newest = np.maximum(1, np.floor(sizes * HOLDOUT_NEWEST)).astype(np.int64)
    is_test = held[codes] & (position >= sizes[codes] - n_newest[codes])
    frame = interactions.iloc[order]
    test_rows = frame[is_test]
    test = {user: set(items) for user, items in test_rows.groupby("USER_ID")["ITEM_ID"]}
    return Split(frame[~is_test], test)


def evaluate(model: Model, test: dict[str, set[str]], catalogue_size: int) -> dict[str, float]:
    """Personalize's metric keys for a model trained on a split's training part
    (:mod:`personalize_facts.metrics` computes them per user)."""
    users = sorted(test)
    if not users:
        return dict.fromkeys(METRIC_NAMES, 0.0)
    rows = np.array([model.user_index.get(u, -1) for u in users])
    recommended: set[int] = set()
    totals = dict.fromkeys(METRIC_NAMES[1:], 0.0)
    k_top = min(TOP, model.n_items)
    for start in range(0, len(users), CHUNK):
        chunk = rows[start : start + CHUNK]
        scores = model.user_scores(chunk)
        known = chunk >= 0
        seen = model.history[chunk[known]]
        scores[np.flatnonzero(known)[seen.nonzero()[0]], seen.nonzero()[1]] = -np.inf
        top = top_k_rows(scores, k_top)[0]
        hits = np.zeros((len(chunk), TOP))
        relevant = np.zeros(len(chunk))
        for row, (user, ranked) in enumerate(zip(users[start : start + CHUNK], top, strict=True)):
            recommended.update(ranked.tolist())
            wanted = {model.item_index[i] for i in test[user] if i in model.item_index}
            hits[row, : len(ranked)] = [i in wanted for i in ranked.tolist()]
            relevant[row] = len(test[user])
        per_user = ranking_metrics(hits, relevant)
        for name in totals:
            totals[name] += float(per_user[name].sum())
    metrics = {name: value / len(users) for name, value in totals.items()}
    metrics["coverage"] = len(recommended) / max(catalogue_size, 1)
    return {name: round(float(metrics[name]), 6) for name in METRIC_NAMES}
