"""Sample data with planted structure, written as an upstream system would export it.

1. The world is the local service's (:mod:`personalize_local.sample_world`): users in taste
   clusters, items in categories, in the schema's column names (tests and benchmarks use it as
   is).
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

from personalize_local.sample_world import DEFAULT_START, generate_interactions, generate_items

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
