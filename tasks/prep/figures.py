"""The data report's figures of one partition, and their merge over all partitions.

Each figure is kept in a form that adds up exactly: rows and rule counts are sums, the time
span is a min and a max, rows per UTC day are sums per day, users are disjoint between partitions
(so interactions per user are a histogram {interactions: users} whose quantiles are those of all
users), and items, which span partitions, are the set of their 64-bit hashes. The sample of users for the smoke check is
the few with the smallest id hashes, which is the same however the users were partitioned.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TypeVar

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from tasks.prep.cleaning import SECONDS_PER_DAY
from tasks.prep.counting import ValueCounter
from tasks.prep.report import SAMPLE_USERS, DataReport

K = TypeVar("K")


@dataclass
class Figures:
    """What one partition wrote: rows, rows removed by rule, and what the rows hold."""

    rows_out: int = 0
    removed_by_rule: dict[str, int] = field(default_factory=dict)
    event_types: dict[str, int] = field(default_factory=dict)
    time_start: int | None = None
    time_end: int | None = None
    per_day: dict[int, int] = field(default_factory=dict)  # days since 1970-01-01 (UTC) -> rows
    per_user: dict[int, int] | None = None
    item_hashes: np.ndarray | None = None
    sample_users: dict[int, str] = field(default_factory=dict)  # id hash -> USER_ID

    def sample(self, hashes: np.ndarray, users: pa.Array) -> None:
        """Keep the ``SAMPLE_USERS`` users with the smallest id hashes seen so far."""
        rows = np.arange(len(hashes))
        if len(self.sample_users) >= SAMPLE_USERS:  # only smaller hashes can enter
            rows = np.flatnonzero(hashes < np.uint64(max(self.sample_users)))
        distinct, first = np.unique(hashes[rows], return_index=True)
        for key, row in zip(
            distinct[:SAMPLE_USERS].tolist(), rows[first[:SAMPLE_USERS]].tolist(), strict=True
        ):
            self.sample_users[key] = str(users[row].as_py())
        self.sample_users = dict(sorted(self.sample_users.items())[:SAMPLE_USERS])

    def add_time(self, low: int, high: int) -> None:
        """Widen the time span to [low, high]."""
        self.time_start = low if self.time_start is None else min(self.time_start, low)
        self.time_end = high if self.time_end is None else max(self.time_end, high)

    def add_timestamps(self, timestamps: pa.Array | pa.ChunkedArray) -> None:
        """Widen the time span to these TIMESTAMPs (epoch seconds) and count them per UTC day."""
        seconds = pc.drop_null(timestamps).to_numpy(zero_copy_only=False)
        if not len(seconds):
            return
        low, high = int(seconds.min()), int(seconds.max())
        self.add_time(low, high)
        first = low // SECONDS_PER_DAY  # counted in one pass over the batch's span of days
        rows = np.bincount(seconds // SECONDS_PER_DAY - first)
        days = np.flatnonzero(rows)
        add_counts(
            self.per_day, dict(zip((days + first).tolist(), rows[days].tolist(), strict=True))
        )


def add_counts(total: dict[K, int], part: Mapping[K, int]) -> None:
    """Add ``part``'s counts to ``total``, key by key."""
    for key, count in part.items():
        total[key] = total.get(key, 0) + count


def merge_into(report: DataReport, parts: Iterable[Figures]) -> None:
    """Set the report's output figures from every partition's."""
    span = Figures()
    histogram: dict[int, int] | None = None
    events: dict[str, int] = {}
    per_day: dict[int, int] = {}
    items: list[np.ndarray] = []
    sample = Figures()
    for part in parts:
        report.rows_out += part.rows_out
        add_counts(report.removed_by_rule, part.removed_by_rule)
        add_counts(events, part.event_types)
        add_counts(per_day, part.per_day)
        if part.time_start is not None and part.time_end is not None:
            span.add_time(part.time_start, part.time_end)
        if part.per_user is not None:
            histogram = histogram or {}
            add_counts(histogram, part.per_user)
        if part.item_hashes is not None:
            items.append(part.item_hashes)
        sample.sample_users = dict(sorted({**sample.sample_users, **part.sample_users}.items()))
    report.time_start, report.time_end = span.time_start, span.time_end
    report.sample_users = list(sample.sample_users.values())[:SAMPLE_USERS]
    report.event_types = ValueCounter.sorted(events)
    report.set_per_day(per_day)
    if histogram is not None:
        if report.dataset_type == "INTERACTIONS":
            report.set_per_user(histogram)
        else:
            report.users = sum(histogram.values())
    if items:
        report.items = len(np.unique(np.concatenate(items)))
