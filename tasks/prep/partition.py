"""Steps 2 and 3 of preparation, one partition at a time: the per-user rules, then the CSV part.

A partition holds every row of its users (``routing.py``), in source order, so every rule
that needs all of a user's rows runs here, on one partition, with no data from the others:

2. ``plan_partition``: exact duplicates (fingerprints partitioned again on local disk,
   ``duplicates.py``; the first occurrence stays), then the per-user rules in
   ``_per_user_rules`` (the cap, the minimum per user, ...). The decisions (a keep bit per row,
   the users to drop) are saved on the scratch location for step 3; the partition's item
   counts are returned when items have a minimum, since an item's rows span partitions.
3. ``write_partition``: the rows that pass every rule (duplicates, window, cap, minimums per
   user and per item) are streamed to the partition's part of the import file
   (``<import folder>/part-<p>.csv``), and the figures of the data report are counted on the
   way (``figures.py``), to be merged over all partitions.

Without a minimum per item, nothing between the two steps needs the other partitions, and
``clean_partition`` runs both as one job (one task instead of two on a cluster).

Memory holds a few batches, one bit per row, at most about 512K fingerprints or id hashes at a
time (``partitions.files_for``) and the per-user counts; local disk holds the fingerprints and id hashes while they are used.
"""

from __future__ import annotations

import io
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from tasks.prep.cleaning import (
    ITEM_RULE,
    USER_RULE,
    WINDOW_RULE,
    Plan,
    count_pass,
    drop,
    id_hashes,
)
from tasks.prep.config import CleaningConfig
from tasks.prep.counting import HashCounter, HashSet, ValueCounter
from tasks.prep.duplicates import DuplicateFinder
from tasks.prep.earlier import Earlier
from tasks.prep.figures import Figures
from tasks.prep.fingerprint import hash_rows
from tasks.prep.prefetch import prefetch
from tasks.prep.rowmask import RowMask
from tasks.prep.spill import PartitionRows, open_binary, rows_uri
from tasks.prep.writing import CsvSink, delete

DUPLICATE_RULE = "exact duplicate"


@dataclass(frozen=True)
class PartitionJob:
    """What steps 2 and 3 need for one partition (plain data, for any worker)."""

    partition: int
    rows: int
    splits: tuple[int, ...]  # the splits that routed rows to this partition, in order
    scratch: str
    cleaning: CleaningConfig
    columns: pa.Schema  # the spill's: the schema's fields, then the id hashes
    output_names: tuple[str, ...]  # the schema's fields, as the import file has them
    cutoff: int | None = None
    earlier: Earlier | None = None  # the dataset's rows before an INCREMENTAL import, its users'

    @property
    def spill(self) -> PartitionRows:
        """The partition's rows, split by split."""
        return PartitionRows([rows_uri(self.scratch, self.partition, s) for s in self.splits])

    @property
    def plan_uri(self) -> str:
        """Where step 2 leaves its decisions for step 3."""
        return f"{self.scratch.rstrip('/')}/plans/p{self.partition:05d}.npz"


@dataclass(frozen=True)
class WriteJob:
    """Step 3 of one partition: where the import goes, and the items below their minimum."""

    partition: PartitionJob
    import_uri: str
    drop_items: np.ndarray | None = None


@dataclass
class PlanResult:
    """Rows step 2 removed by rule, and the partition's item counts (minimum per item only)."""

    removed_by_rule: dict[str, int] = field(default_factory=dict)
    item_counts: pd.Series | None = None


def part_uri(import_uri: str, partition: int) -> str:
    """The partition's part of the import file, under the import folder."""
    return f"{import_uri.rstrip('/')}/part-{partition:05d}.csv"


def plan_partition(job: PartitionJob) -> PlanResult:
    """Step 2: find the partition's duplicates and apply its per-user rules; save the plan."""
    result = PlanResult()
    spill = job.spill
    keep = RowMask(job.rows)
    with tempfile.TemporaryDirectory(prefix="prep-") as work:
        if job.cleaning.drop_duplicates:
            result.removed_by_rule[DUPLICATE_RULE] = _clear_duplicates(
                spill, list(job.output_names), keep, Path(work) / "fingerprints"
            )
        plan = Plan(keep=keep, cutoff=job.cutoff)
        result.item_counts = _per_user_rules(spill, job, plan, result, Path(work))
    _save_plan(job.plan_uri, plan)
    return result


def _per_user_rules(
    spill: PartitionRows, job: PartitionJob, plan: Plan, result: PlanResult, work: Path
) -> pd.Series | None:
    """The rules that need all of a user's rows; they see this partition's users only.

    A new per-user rule goes here: it reads ``spill.batches()`` (rows kept so far:
    ``cleaning.kept``), clears rows in ``plan.keep`` or adds users to ``plan.drop_users``,
    and counts what it removed in ``result.removed_by_rule``. What it needs from outside the
    partition (as ``job.earlier``, this partition's users' share of the dataset's history)
    comes in the ``PartitionJob``.
    """
    removed = result.removed_by_rule
    return count_pass(spill, job.cleaning, plan, removed, work / "counts", job.earlier)


def _clear_duplicates(spill: PartitionRows, names: list[str], keep: RowMask, work: Path) -> int:
    """Clear every repeat of an earlier row in ``keep``; return how many there were."""
    finder = DuplicateFinder(work, keep.rows)
    for start, batch in spill.batches():
        known: dict[str, np.ndarray] = {
            n: id_hashes(batch, n) for n in ("USER_ID", "ITEM_ID") if n in names
        }
        fingerprints = hash_rows(batch.select(names), known)
        finder.add(fingerprints, np.arange(start, start + batch.num_rows))
    return finder.clear_repeats(keep)


def write_partition(write: WriteJob) -> Figures:
    """Step 3: stream the partition's rows that pass every rule to its part of the import."""
    job = write.partition
    plan = _load_plan(job.plan_uri, job.rows, job.cutoff)
    if write.drop_items is not None:
        plan.drop_items = HashSet(write.drop_items)
    figures = Figures()
    names = job.columns.names
    users, items, events = None, None, ValueCounter()
    uri = part_uri(write.import_uri, job.partition)
    with tempfile.TemporaryDirectory(prefix="prep-") as work:
        if "USER_ID" in names:
            users = HashCounter(Path(work) / "users", job.rows)
        if "ITEM_ID" in names:
            items = HashCounter(Path(work) / "items", job.rows)
        csv_columns = pa.schema([f for f in job.columns if f.name in job.output_names])
        with CsvSink(uri, csv_columns) as sink:
            for rows in prefetch(_output_rows(job.spill, plan, figures)):
                sink.write(rows)
                if users is not None:
                    users.add(id_hashes(rows, "USER_ID"))
                    figures.sample(id_hashes(rows, "USER_ID"), rows["USER_ID"])
                if items is not None:
                    items.add(id_hashes(rows, "ITEM_ID"))
                if "EVENT_TYPE" in names:
                    events.add(rows["EVENT_TYPE"])
        figures.rows_out = sink.rows
        if users is not None:
            values, numbers = np.unique(users.counts(), return_counts=True)
            figures.per_user = dict(zip(values.tolist(), numbers.tolist(), strict=True))
        if items is not None:
            figures.item_hashes = items.series().index.to_numpy(np.uint64)
    figures.event_types = events.as_dict()
    if not figures.rows_out:
        delete(uri)  # a partition with no rows leaves no part
    return figures


def clean_partition(write: WriteJob) -> tuple[PlanResult, Figures]:
    """Steps 2 and 3 in one job, when no rule needs the other partitions' figures in between."""
    return plan_partition(write.partition), write_partition(write)


def _output_rows(spill: PartitionRows, plan: Plan, figures: Figures) -> Iterator[pa.RecordBatch]:
    """The partition's rows that pass duplicates, window, cap and minimums; the time span."""
    removed = figures.removed_by_rule
    for start, batch in spill.batches():
        rows = batch.filter(pa.array(plan.keep.get(start, batch.num_rows)))
        if plan.cutoff is not None:
            inside = pc.greater_equal(rows["TIMESTAMP"], plan.cutoff)
            rows = drop(rows, inside, removed, WINDOW_RULE)
        if plan.drop_users is not None:
            enough = ~plan.drop_users.contains(id_hashes(rows, "USER_ID"))
            rows = drop(rows, pa.array(enough), removed, USER_RULE)
        if plan.drop_items is not None:
            enough = ~plan.drop_items.contains(id_hashes(rows, "ITEM_ID"))
            rows = drop(rows, pa.array(enough), removed, ITEM_RULE)
        if "TIMESTAMP" in rows.schema.names and rows.num_rows:
            figures.add_timestamps(rows["TIMESTAMP"])
        yield rows


def _save_plan(uri: str, plan: Plan) -> None:
    """The keep bits and the users to drop, for step 3 (on whichever worker it runs)."""
    users = np.empty(0, np.uint64) if plan.drop_users is None else plan.drop_users.keys
    buffer = io.BytesIO()
    np.savez(buffer, keep=plan.keep.bits, drop_users=users, has_users=plan.drop_users is not None)
    with open_binary(uri, "wb") as handle:
        handle.write(buffer.getvalue())


def _load_plan(uri: str, rows: int, cutoff: int | None) -> Plan:
    with open_binary(uri, "rb") as handle:
        saved = np.load(io.BytesIO(handle.read()))
        keep = RowMask(rows, saved["keep"])
        drop_users = HashSet(saved["drop_users"]) if bool(saved["has_users"]) else None
    return Plan(keep=keep, cutoff=cutoff, drop_users=drop_users)
