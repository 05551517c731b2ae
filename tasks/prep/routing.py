"""Step 1 of preparation, one split of the source at a time: read, normalise, route by user.

1. The split's batches are read (``reading.py``, read ahead in a background thread) and
   normalised (``normalise.py``); rows of forgotten users leave the batch, rejected or not
   (``suppression.py``); rejected rows go to the split's rejects file with their reason, rows
   of event types not allowed are counted and left out.
2. Each good row gets the 64-bit hashes of its USER_ID and ITEM_ID, and goes to partition
   ``hash(key) % partitions`` (the key is USER_ID, or ITEM_ID for items), appended to that
   partition's spill file for this split (``spill.py``). Every row of a user therefore lands in
   one partition, whichever split it came from, and a partition's rows read back split by
   split are in source order.

The step returns its counts (rows in, rejects by reason, rows per partition, latest TIMESTAMP),
which the pipeline adds up over all splits.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from tasks.prep.cleaning import EVENT_RULE, KEY_FIELDS, hash_field
from tasks.prep.config import CleaningConfig, SourceConfig
from tasks.prep.counting import ValueCounter
from tasks.prep.fingerprint import hash_column
from tasks.prep.normalise import REJECT_COLUMNS, Normaliser
from tasks.prep.prefetch import prefetch
from tasks.prep.reading import Split, read_split
from tasks.prep.schema import DatasetSchema
from tasks.prep.spill import SpillFile, rows_uri
from tasks.prep.suppression import Suppression
from tasks.prep.writing import CsvSink


@dataclass(frozen=True)
class SplitJob:
    """What step 1 needs to read one split and route its rows (plain data, for any worker)."""

    index: int
    split: Split
    source: SourceConfig
    cleaning: CleaningConfig
    schema: DatasetSchema
    timestamp_units: dict[str, str | None]
    partitions: int
    scratch: str
    forgotten: Suppression
    not_after: int | None = None
    """Rows dated after this (epoch seconds: the run's clock plus a tolerance) are rejected."""


@dataclass
class SplitResult:
    """What one split held: rows, rejects, rows routed per partition, the latest time."""

    rows_in: int = 0
    rows_rejected: int = 0
    rejects_by_reason: dict[str, int] = field(default_factory=dict)
    removed_by_rule: dict[str, int] = field(default_factory=dict)
    rows_by_partition: list[int] = field(default_factory=list)
    latest: int | None = None
    timestamp_readings: dict[str, set[str]] = field(default_factory=dict)


def partition_key(schema: DatasetSchema) -> str:
    """The field whose hash picks a row's partition: USER_ID, or ITEM_ID without users."""
    return "USER_ID" if "USER_ID" in schema.names else "ITEM_ID"


def spill_schema(schema: DatasetSchema) -> pa.Schema:
    """The schema's columns plus the hashes of its id fields."""
    keys = [name for name in KEY_FIELDS if name in schema.names]
    return pa.schema(
        [(f.name, f.arrow_type) for f in schema.fields]
        + [(hash_field(name), pa.uint64()) for name in keys]
    )


def rejects_uri(scratch: str, split: int) -> str:
    """Where split ``split`` keeps its rejected rows."""
    return f"{scratch.rstrip('/')}/rejects/s{split:06d}.csv"


def rejects_schema(schema: DatasetSchema) -> pa.Schema:
    """Rejects: where the row came from, why, and its raw values as text."""
    columns = pa.schema([(name, pa.string()) for name in (*REJECT_COLUMNS, *schema.names)])
    return columns.set(1, pa.field("SOURCE_ROW", pa.int64()))


def route_split(job: SplitJob) -> SplitResult:
    """Read one split, set its rejects aside and route its good rows to the partitions."""
    schema = job.schema
    normaliser = Normaliser(schema, job.source.timestamp_unit, job.not_after)
    for name, unit in job.timestamp_units.items():
        normaliser.timestamps[name].unit = unit
    allowed = pa.array(job.cleaning.event_types, pa.string()) if job.cleaning.event_types else None
    keys = [name for name in KEY_FIELDS if name in schema.names]
    key = hash_field(partition_key(schema))
    columns = spill_schema(schema)
    spills = [
        SpillFile(rows_uri(job.scratch, p, job.index), columns) for p in range(job.partitions)
    ]
    result = SplitResult()
    reasons = ValueCounter()
    with CsvSink(rejects_uri(job.scratch, job.index), rejects_schema(schema)) as rejects:
        for raw in prefetch(read_split(job.split, job.source, schema)):
            result.rows_in += raw.batch.num_rows
            normalised = job.forgotten.apply(normaliser(raw), result.removed_by_rule)
            rows, good = normalised.rows, normalised.good
            if normalised.rejects is not None:
                rejects.write(normalised.rejects)
                reasons.add(normalised.rejects.column("REASON"))
            if allowed is not None:
                listed = pc.fill_null(pc.is_in(rows["EVENT_TYPE"], allowed), False)
                listed_np = listed.to_numpy(zero_copy_only=False)
                unlisted = int((~listed_np if good is None else good & ~listed_np).sum())
                result.removed_by_rule[EVENT_RULE] = (
                    result.removed_by_rule.get(EVENT_RULE, 0) + unlisted
                )
                good = listed_np if good is None else good & listed_np
            for name in keys:  # rejected rows too: one copy of the good rows (``_route``)
                rows = rows.append_column(hash_field(name), pa.array(hash_column(rows[name])))
            if "TIMESTAMP" in rows.schema.names and rows.num_rows:
                times = (
                    rows["TIMESTAMP"] if good is None else rows["TIMESTAMP"].filter(pa.array(good))
                )
                newest = pc.max(times).as_py()
                if newest is not None:
                    result.latest = newest if result.latest is None else max(result.latest, newest)
            _route(rows, good, np.asarray(rows[key].to_numpy()), spills)
    for spill in spills:
        spill.finish()
    result.rows_rejected = rejects.rows
    result.rejects_by_reason = reasons.as_dict()
    result.rows_by_partition = [spill.rows for spill in spills]
    result.timestamp_readings = {n: c.readings for n, c in normaliser.timestamps.items()}
    return result


def _route(
    rows: pa.RecordBatch, good: np.ndarray | None, hashes: np.ndarray, spills: list[SpillFile]
) -> None:
    """Append each good row (all when ``good`` is None) to its partition's spill, in order.

    The good rows are copied once: filtered for one partition, else gathered in partition order.
    """
    if len(spills) == 1:
        spills[0].append(rows if good is None else rows.filter(pa.array(good)))
        return
    # As the smallest integers that hold them, which numpy sorts stably by radix.
    partition = (hashes % np.uint64(len(spills))).astype(np.min_scalar_type(len(spills)))
    selected = None if good is None else np.flatnonzero(good)
    if selected is not None:
        partition = partition[selected]
    order = np.argsort(partition, kind="stable")
    bounds = np.searchsorted(partition[order], np.arange(len(spills) + 1))
    ordered = rows.take(pa.array(order if selected is None else selected[order]))
    for p, spill in enumerate(spills):
        if bounds[p] < bounds[p + 1]:
            spill.append(ordered.slice(bounds[p], bounds[p + 1] - bounds[p]))
