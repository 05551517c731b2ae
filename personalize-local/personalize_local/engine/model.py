"""A trained model: what it knows about users and items, and how it scores them.

One class serves every recipe: a collaborative model keeps EASE weights or ALS factors, a
similar-items model keeps each item's nearest neighbours, a popularity model keeps counts.
Scores come back as float32 arrays over ``item_ids``; users the model never saw get the
popularity scores (Personalize recommends popular items to cold users).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import scipy.sparse as sp

ModelKind = Literal["ease", "als", "similar-items", "popularity", "trending"]


@dataclass
class Model:
    """A fitted model over a fixed catalogue (``item_ids``) and set of known users."""

    kind: ModelKind
    item_ids: np.ndarray
    user_ids: np.ndarray
    history: sp.csr_matrix
    """Users x items, the interactions the model was trained on (binary)."""
    popularity: np.ndarray
    """Per-item scores for cold users (counts over all time, or over the trending window)."""
    weights: np.ndarray | None = None
    """EASE: items x items. ALS: item factors (items x factors)."""
    user_factors: np.ndarray | None = None
    neighbours: sp.csr_matrix | None = None
    """Similar items: items x items, each row that item's nearest neighbours."""
    item_index: dict[str, int] = field(init=False, repr=False)
    user_index: dict[str, int] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.item_index = {item: i for i, item in enumerate(self.item_ids.tolist())}
        self.user_index = {user: u for u, user in enumerate(self.user_ids.tolist())}

    def __getstate__(self) -> dict[str, object]:
        state = dict(self.__dict__)
        del state["item_index"], state["user_index"]
        return state

    def __setstate__(self, state: dict[str, object]) -> None:
        self.__dict__.update(state)
        self.__post_init__()

    @property
    def n_items(self) -> int:
        """Size of the catalogue the model scores."""
        return len(self.item_ids)

    def user_scores(self, users: np.ndarray) -> np.ndarray:
        """Scores (len(users) x items) for user row indices; -1 marks a cold user."""
        users = np.asarray(users, dtype=np.int64)
        known = users >= 0
        scores = np.empty((len(users), self.n_items), dtype=np.float32)
        scores[~known] = self.popularity
        rows = users[known]
        if len(rows):
            scores[known] = self._known_scores(rows)
        return scores

    def _known_scores(self, rows: np.ndarray) -> np.ndarray:
        if self.kind == "ease":
            assert self.weights is not None
            return np.asarray(self.history[rows] @ self.weights, dtype=np.float32)
        if self.kind == "als":
            assert self.user_factors is not None and self.weights is not None
            return self.user_factors[rows] @ self.weights.T
        if self.kind == "similar-items":
            assert self.neighbours is not None
            return (self.history[rows] @ self.neighbours).toarray().astype(np.float32)
        return np.broadcast_to(self.popularity, (len(rows), self.n_items)).copy()

    def scores_for_user(self, user_id: str | None) -> np.ndarray:
        """Scores over the catalogue for one user (popularity for an unknown one).

        The runtime's hot path: reads the user's row directly instead of slicing the matrix.
        """
        row = self.user_index.get(user_id, -1) if user_id is not None else -1
        if row < 0:
            return self.popularity
        if self.kind == "ease":
            assert self.weights is not None
            seen = self.history.indices[self.history.indptr[row] : self.history.indptr[row + 1]]
            return np.asarray(self.weights[seen].sum(axis=0), dtype=np.float32)
        if self.kind == "als":
            assert self.user_factors is not None and self.weights is not None
            return self.weights @ self.user_factors[row]
        return self.user_scores(np.array([row]))[0]

    def related_scores(self, item_id: str) -> np.ndarray | None:
        """Scores of the items related to one item (None if the item is unknown)."""
        i = self.item_index.get(item_id)
        if i is None:
            return None
        if self.neighbours is not None:
            scores = self.neighbours[i].toarray().ravel().astype(np.float32)
        elif self.kind == "ease":
            assert self.weights is not None
            scores = self.weights[i].astype(np.float32).copy()
        elif self.kind == "als":
            assert self.weights is not None
            scores = self.weights @ self.weights[i]
        else:
            scores = self.popularity.copy()
        scores[i] = -np.inf
        return scores


def top_k(scores: np.ndarray, k: int, keep: np.ndarray | None = None) -> np.ndarray:
    """Indices of the k best scores, best first, among the kept items (-inf never returned)."""
    if keep is not None:
        scores = np.where(keep, scores, -np.inf)
    k = min(k, len(scores))
    if k <= 0:
        return np.empty(0, dtype=np.int64)
    best = np.argpartition(-scores, k - 1)[:k] if k < len(scores) else np.arange(len(scores))
    best = best[np.argsort(-scores[best], kind="stable")]
    return best[np.isfinite(scores[best])]


def top_k_rows(scores: np.ndarray, k: int, block: int = 32) -> tuple[np.ndarray, np.ndarray]:
    """Per row, the indices of the k best scores and those scores, best first.

    Selection runs on block maxima first: the k best items lie in the k blocks with the best
    maxima, so only those blocks' items are partitioned (several times faster on wide rows).
    Where a row has fewer than k finite scores, the rest are -inf (with meaningless indices):
    callers keep only finite scores.
    """
    n_rows, n = scores.shape
    k = min(k, n)
    if k == 0:
        return np.empty((n_rows, 0), dtype=np.int64), np.empty((n_rows, 0), scores.dtype)
    whole = n // block * block
    if k * block * 2 < n:
        maxima = scores[:, :whole].reshape(n_rows, whole // block, block).max(axis=2)
        if whole < n:  # the last, shorter block
            maxima = np.hstack([maxima, scores[:, whole:].max(axis=1, keepdims=True)])
        blocks = np.argpartition(-maxima, k - 1, axis=1)[:, :k]
        spread = (blocks[:, :, None] * block + np.arange(block)).reshape(n_rows, -1)
        candidates = np.minimum(spread, n - 1)
        values = np.take_along_axis(scores, candidates, axis=1)
        values[spread >= n] = -np.inf  # positions past the end of the short block
    else:
        candidates = np.broadcast_to(np.arange(n), (n_rows, n))
        values = scores
    best = np.argpartition(-values, k - 1, axis=1)[:, :k]
    best_values = np.take_along_axis(values, best, axis=1)
    order = np.argsort(-best_values, axis=1, kind="stable")
    indices = np.take_along_axis(np.take_along_axis(candidates, best, axis=1), order, axis=1)
    return indices, np.take_along_axis(best_values, order, axis=1)
