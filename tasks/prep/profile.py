"""The profile of interaction data: the figures the data checks compare (``drift.py``).

1. :class:`Tally` reads import files (CSV, as preparation writes them) batch by batch and keeps
   per user and per item the rows and the first TIMESTAMP (by the 64-bit id hash,
   ``fingerprint.hash_column``), rows per UTC day and per event type, and the time span; also
   the same counts for the rows at or after ``since`` (a window of the newest days).
2. :func:`profile` turns a tally into a :class:`Profile`: rows, users, items, rows per day,
   interactions per user in doubling bins, the share of rows of the busiest 1% of users, the
   event-type mix and the time span; of the whole data, or of the window only.
3. The shares of new ids are set by the caller (``drift.py``), who knows what counts as known.

Memory holds a row per distinct user and item (about 40 bytes each), not per row.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import fsspec
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv
from pydantic import BaseModel, Field

from tasks.prep.cleaning import SECONDS_PER_DAY
from tasks.prep.counting import ValueCounter
from tasks.prep.distributions import user_bins
from tasks.prep.fingerprint import hash_column
from tasks.prep.import_folder import import_parts

COLUMNS = ("USER_ID", "ITEM_ID", "TIMESTAMP", "EVENT_TYPE")
BUSIEST = 0.01
"""The busiest users are this share of users (at least one)."""
MIN_SPAN = 3600
"""The shortest span (seconds) figures per day are taken over."""
_COMPACT = 64
"""Per-batch id tables kept before they are folded into one."""


class Profile(BaseModel):
    """The figures of a set of interactions that the data checks compare."""

    rows: int = 0
    users: int = 0
    items: int = 0
    days: float = Field(default=0.0, description="Days the rows span (at least an hour).")
    rows_per_day: float = 0.0
    per_user_bins: dict[str, int] = Field(default_factory=dict)
    busiest_share: float = Field(
        default=0.0, description="Share of the rows of the busiest 1% of users."
    )
    event_mix: dict[str, float] = Field(default_factory=dict)
    time_start: int | None = None
    time_end: int | None = None
    new_users_share: float | None = None
    new_items_share: float | None = None
    duplicate_share: float | None = None
    missing_users_share: float | None = None


class Tally:
    """Counts of interaction rows read batch by batch (see the module docstring)."""

    def __init__(self, since: int | None = None) -> None:
        self.since = since
        self.rows = 0
        self.window_rows = 0
        self.start: int | None = None
        self.end: int | None = None
        self.per_day: dict[int, int] = {}
        self.events = ValueCounter()
        self.window_events = ValueCounter()
        self._users: list[pd.DataFrame] = []
        self._items: list[pd.DataFrame] = []

    def add(self, batch: pa.RecordBatch) -> None:
        """Count one batch of rows (USER_ID, ITEM_ID, TIMESTAMP and, if any, EVENT_TYPE)."""
        if not batch.num_rows:
            return
        times = batch.column("TIMESTAMP").cast(pa.int64()).to_numpy(zero_copy_only=False)
        window = np.ones(len(times), np.bool_) if self.since is None else times >= self.since
        self.rows += len(times)
        self.window_rows += int(window.sum())
        low, high = int(times.min()), int(times.max())
        self.start = low if self.start is None else min(self.start, low)
        self.end = high if self.end is None else max(self.end, high)
        days, counts = np.unique(times // SECONDS_PER_DAY, return_counts=True)
        for day, count in zip(days.tolist(), counts.tolist(), strict=True):
            self.per_day[day] = self.per_day.get(day, 0) + count
        if "EVENT_TYPE" in batch.schema.names:
            events = batch.column("EVENT_TYPE").cast(pa.string()).fill_null("")
            self.events.add(events)
            self.window_events.add(events.filter(pa.array(window)))
        for name, tables in (("USER_ID", self._users), ("ITEM_ID", self._items)):
            ids = hash_column(batch.column(name).cast(pa.string()))
            frame = pd.DataFrame({"id": ids, "rows": 1, "window": window, "first": times})
            tables.append(_reduce(frame))
            if len(tables) > _COMPACT:
                tables[:] = [_reduce(pd.concat(tables))]

    def add_files(self, files: Iterable[str]) -> None:
        """Count every row of these CSV files."""
        for path in files:
            with fsspec.open(path, "rb") as handle:
                names = pacsv.open_csv(handle).schema.names
            wanted = [c for c in COLUMNS if c in names]
            options = pacsv.ConvertOptions(
                include_columns=wanted,
                column_types={c: pa.int64() if c == "TIMESTAMP" else pa.string() for c in wanted},
            )
            with fsspec.open(path, "rb") as handle:
                for batch in pacsv.open_csv(handle, convert_options=options):
                    self.add(batch)

    def ids(self, name: str) -> pd.DataFrame:
        """Per id hash (index): rows, rows in the window, first TIMESTAMP."""
        tables = self._users if name == "USER_ID" else self._items
        if not tables:
            return pd.DataFrame({"rows": [], "window": [], "first": []})
        merged = _reduce(pd.concat(tables))
        tables[:] = [merged]
        return merged.set_index("id")


def tally_of(locations: Iterable[str], since: int | None = None) -> Tally:
    """A tally of every CSV file at these import locations (files or folders)."""
    tally = Tally(since)
    for location in locations:
        tally.add_files(import_parts(location))
    return tally


def profile(tally: Tally, window: bool = False) -> Profile:
    """The figures of every row of the tally, or of the rows in its window only."""
    users, items = tally.ids("USER_ID"), tally.ids("ITEM_ID")
    column = "window" if window else "rows"
    per_user = users[column][users[column] > 0].to_numpy(np.int64)
    rows = int(per_user.sum())
    start = tally.since if window and tally.since is not None else tally.start
    days = _days(start, tally.end)
    events = (tally.window_events if window else tally.events).as_dict()
    total = sum(events.values())
    histogram = pd.Series(per_user).value_counts().to_dict() if len(per_user) else {}
    return Profile(
        rows=rows,
        users=len(per_user),
        items=int((items[column] > 0).sum()),
        days=days,
        rows_per_day=rows / days if days else 0.0,
        per_user_bins=user_bins({int(k): int(v) for k, v in histogram.items()}),
        busiest_share=busiest_share(per_user),
        event_mix={e: n / total for e, n in sorted(events.items())} if total else {},
        time_start=start,
        time_end=tally.end,
    )


def busiest_share(per_user: np.ndarray) -> float:
    """The share of all rows that the busiest ``BUSIEST`` of users hold (at least one user)."""
    if not len(per_user) or not per_user.sum():
        return 0.0
    top = max(1, math.ceil(len(per_user) * BUSIEST))
    return float(np.sort(per_user)[-top:].sum() / per_user.sum())


def _days(start: int | None, end: int | None) -> float:
    """Days from ``start`` to ``end``, at least an hour's worth."""
    if start is None or end is None:
        return 0.0
    return max(MIN_SPAN, end - start) / SECONDS_PER_DAY


def _reduce(frame: pd.DataFrame) -> pd.DataFrame:
    """One row per id: rows and window rows summed, the first TIMESTAMP."""
    return (
        frame.groupby("id", sort=False)
        .agg(rows=("rows", "sum"), window=("window", "sum"), first=("first", "min"))
        .reset_index()
    )
