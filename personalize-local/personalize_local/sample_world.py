"""A world to train on: users in taste clusters, items in categories, with planted structure.

Each cluster of users prefers a few item categories, and items have a popularity skew within and
across categories, so a model that learns who likes what clearly beats one that recommends the
most popular items to everyone. Rows are in the schema's column names (USER_ID, ITEM_ID,
TIMESTAMP, EVENT_TYPE; ITEM_ID, CATEGORY). The local service's tests and benchmarks train on it;
the demo (``local/sample_data.py``) writes it as an upstream system's exports.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

DEFAULT_START = 1_700_000_000
"""Epoch seconds of the first interaction (November 2023)."""
N_CATEGORIES = 20
CATEGORIES_PER_CLUSTER = 2
TASTE_SHARE = 0.85
"""How many of a user's interactions come from the categories their cluster prefers."""
PURCHASE_SHARE = 0.1


def item_categories(n_items: int, seed: int = 0) -> np.ndarray:
    """The category index of each item (items are shuffled across categories)."""
    rng = np.random.default_rng(seed)
    return rng.permutation(np.arange(n_items) % _n_categories(n_items))


def _n_categories(n_items: int) -> int:
    if n_items < 1:
        raise ValueError(f"n_items must be at least 1, not {n_items}")
    return min(N_CATEGORIES, n_items)


def generate_items(n_items: int, seed: int = 0) -> pd.DataFrame:
    """The catalogue: ITEM_ID and CATEGORY (``cat-00`` ... ``cat-19``; fewer for tiny ones)."""
    categories = item_categories(n_items, seed)
    return pd.DataFrame(
        {
            "ITEM_ID": [f"i{i}" for i in range(n_items)],
            "CATEGORY": [f"cat-{c:02d}" for c in categories],
        }
    )


def generate_interactions(
    n_users: int,
    n_items: int,
    n_interactions: int,
    seed: int = 0,
    start: int = DEFAULT_START,
    days: int = 90,
    sample_seed: int | None = None,
) -> pd.DataFrame:
    """Interactions (USER_ID, ITEM_ID, TIMESTAMP in seconds, EVENT_TYPE click|purchase).

    Every user has at least one interaction when ``n_interactions >= n_users``; activity per
    user is skewed, as is item popularity. ``seed`` draws the world (item popularity, users'
    activity and tastes); ``sample_seed``, when given, draws the interactions apart from it, so
    different sample seeds give fresh samples of the same distribution.
    """
    if n_users < 1:
        raise ValueError(f"n_users must be at least 1, not {n_users}")
    rng = np.random.default_rng(seed)
    draw = rng if sample_seed is None else np.random.default_rng([seed, sample_seed])
    categories = item_categories(n_items, seed)
    n_categories = _n_categories(n_items)
    popularity = 1.0 / np.arange(1, n_items + 1) ** 0.8
    popularity = popularity[rng.permutation(n_items)]

    activity = rng.lognormal(0.0, 0.8, n_users)
    extra = max(n_interactions - n_users, 0)
    users = np.concatenate(
        [
            np.arange(min(n_users, n_interactions)),
            draw.choice(n_users, extra, p=activity / activity.sum()),
        ]
    )
    clusters = rng.integers(0, n_categories, n_users)
    liked = (clusters[:, None] + np.arange(CATEGORIES_PER_CLUSTER) * 7) % n_categories

    by_category = [np.flatnonzero(categories == c) for c in range(n_categories)]
    category_items = [popularity[idx] / popularity[idx].sum() for idx in by_category]
    items = draw.choice(n_items, len(users), p=popularity / popularity.sum())
    tasteful = draw.random(len(users)) < TASTE_SHARE
    chosen = liked[users, draw.integers(0, CATEGORIES_PER_CLUSTER, len(users))]
    for c in range(n_categories):
        rows = np.flatnonzero(tasteful & (chosen == c))
        items[rows] = draw.choice(by_category[c], len(rows), p=category_items[c])

    timestamps = start + draw.integers(0, days * 86_400, len(users))
    event_types = np.where(draw.random(len(users)) < PURCHASE_SHARE, "purchase", "click")
    frame = pd.DataFrame(
        {
            "USER_ID": np.char.add("u", users.astype(str)),
            "ITEM_ID": np.char.add("i", items.astype(str)),
            "TIMESTAMP": timestamps.astype(np.int64),
            "EVENT_TYPE": event_types,
        }
    )
    return frame.sort_values("TIMESTAMP", kind="stable").reset_index(drop=True)
