"""Sample data with planted structure, written as an upstream system would export it.

1. Users belong to taste clusters; each cluster prefers a few item categories, and items have a
   popularity skew within and across categories, so a model that learns who likes what clearly
   beats one that recommends the most popular items to everyone (:func:`generate_interactions`,
   :func:`generate_items`, in the schema's column names; tests and benchmarks use them as is).
2. For the demo and the pipeline's tests the rows are renamed and typed as a typical event
   export: ``user_id``, ``sku``, ``event``, ``ts`` (a timestamp), and a catalogue of ``sku``,
   ``category``; the pipeline configuration maps these columns to the schema's fields.
3. One generated history is split in time: the first ``days`` form the first export, the days
   after them the "new data" of a later retraining round.
4. :func:`break_tracking` makes a "worse" export of the whole history: the new days logged by a
   broken tracker that recorded random items (the same users, times and events), which the
   metrics gate must stop.
"""

from __future__ import annotations

from dataclasses import dataclass

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


EXPORT_COLUMNS = {"USER_ID": "user_id", "ITEM_ID": "sku", "EVENT_TYPE": "event"}
CATALOGUE_COLUMNS = {"ITEM_ID": "sku", "CATEGORY": "category"}


@dataclass(frozen=True)
class SampleSize:
    """How much sample data to generate."""

    users: int = 1000
    items: int = 400
    interactions_per_day: int = 300
    days: int = 60
    new_days: int = 14


TEST_SIZE = SampleSize(users=150, items=60, interactions_per_day=100, days=30, new_days=7)


@dataclass(frozen=True)
class SampleExports:
    """Where the raw files were written."""

    items: str
    interactions: str
    new_interactions: str
    all_interactions: str
    broken_interactions: str


def history(size: SampleSize, seed: int = 0) -> pd.DataFrame:
    """The whole generated history (first export + new data) in the schema's column names."""
    days = size.days + size.new_days
    return generate_interactions(
        size.users, size.items, size.interactions_per_day * days, seed=seed, days=days
    )


def to_export(interactions: pd.DataFrame) -> pd.DataFrame:
    """Schema-named interactions as an export: renamed columns, ``ts`` as a UTC timestamp."""
    export = interactions.rename(columns=EXPORT_COLUMNS)
    export["ts"] = pd.to_datetime(export.pop("TIMESTAMP"), unit="s", utc=True)
    return export[["user_id", "sku", "event", "ts"]]


def split_at_day(interactions: pd.DataFrame, day: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The rows before and from ``day`` days after the generator's start."""
    before = interactions["TIMESTAMP"] < DEFAULT_START + day * 86_400
    return interactions[before], interactions[~before]


def break_tracking(interactions: pd.DataFrame, since: int, seed: int = 1) -> pd.DataFrame:
    """The same rows, but those at or after ``since`` (epoch seconds) name random items."""
    rng = np.random.default_rng(seed)
    broken = interactions.copy()
    late = broken["TIMESTAMP"].to_numpy() >= since
    catalogue = np.sort(broken["ITEM_ID"].unique())
    broken.loc[late, "ITEM_ID"] = rng.choice(catalogue, int(late.sum()))
    return broken


def write_exports(root: str, size: SampleSize = SampleSize(), seed: int = 0) -> SampleExports:
    """Write the catalogue and the interaction exports under ``root`` (a path or s3:// URI).

    ``interactions.parquet`` holds the first ``size.days``, ``new-interactions.parquet`` the
    ``size.new_days`` after them, ``all-interactions.parquet`` both, and
    ``broken-interactions.parquet`` both with the new days' items made random.
    """
    root = root.rstrip("/")
    everything = history(size, seed)
    first, later = split_at_day(everything, size.days)
    catalogue = generate_items(size.items, seed).rename(columns=CATALOGUE_COLUMNS)
    exports = SampleExports(
        items=f"{root}/items.parquet",
        interactions=f"{root}/interactions.parquet",
        new_interactions=f"{root}/new-interactions.parquet",
        all_interactions=f"{root}/all-interactions.parquet",
        broken_interactions=f"{root}/broken-interactions.parquet",
    )
    catalogue.to_parquet(exports.items, index=False)
    to_export(first).to_parquet(exports.interactions, index=False)
    to_export(later).to_parquet(exports.new_interactions, index=False)
    to_export(everything).to_parquet(exports.all_interactions, index=False)
    since = DEFAULT_START + size.days * 86_400
    to_export(break_tracking(everything, since, seed + 1)).to_parquet(
        exports.broken_interactions, index=False
    )
    return exports
