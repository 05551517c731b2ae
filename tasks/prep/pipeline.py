"""Preparing one dataset for import: read, normalise, clean, check, write; in bounded memory.

The work is done in passes so that input larger than memory works:

1. Source pass: source batches stream in (``reading.py``, read ahead in a background thread)
   and are normalised (``normalise.py``); rejected rows go to the rejects file with their
   reason. Every row is appended, with the 64-bit hashes of its USER_ID and ITEM_ID, to a
   local spill file (Arrow IPC, ``spill.py``); rejected rows and rows of event types not
   allowed are only marked (one bit per row of the batches that have any). Each good row's
   fingerprint goes to one of 64 partition files on disk (``duplicates.py``).
2. Duplicates: the fingerprint partitions are read one at a time; repeats of an earlier row
   are cleared in a keep mask of one bit per row, which also takes the marks of step 1.
3. Count pass (``cleaning.py``; only when a minimum per user/item or a cap per user is set):
   rows per user and per item over the kept rows inside the time window, by id hash in
   partition files (``counting.py``); for users above the cap, their rows' (timestamp, row)
   are gathered to keep their most recent N.
4. Write pass: kept rows inside the window whose user and item meet the minimums are streamed
   to the import CSV (``writing.py``) while a background thread reads and filters the next
   batch; users, items, event types and time span are counted for the report on the way.

Memory holds a few batches, one bit per row (the keep mask), 1/64 of the fingerprints or id
hashes while a partition is processed, the per-user counts (for the quantiles), and the rows
of capped users during step 3. Disk (under ``TMPDIR``) holds the spill and the partitions,
about 90 bytes per row for interactions, removed at the end. The rules apply in this order:
forgotten users (``suppression.py``), rejects, event types, duplicates, window, cap, minimums
per user and per item (one round, on the counts after the cap).
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from pydantic import BaseModel

from tasks.prep.checks import enforce, personalize_checks
from tasks.prep.cleaning import (
    EVENT_RULE,
    ITEM_RULE,
    KEY_FIELDS,
    SECONDS_PER_DAY,
    USER_RULE,
    WINDOW_RULE,
    LeftOut,
    Plan,
    check_cleaning,
    count_pass,
    drop,
    hash_field,
    id_hashes,
    keep_mask,
)
from tasks.prep.config import CleaningConfig, ImportGuards, SourceConfig
from tasks.prep.counting import HashCounter, ValueCounter
from tasks.prep.duplicates import DuplicateFinder
from tasks.prep.earlier import dataset_history
from tasks.prep.errors import PrepError, SourceError
from tasks.prep.fingerprint import hash_column, hash_rows
from tasks.prep.guards import enforce_guards, guard_checks
from tasks.prep.normalise import REJECT_COLUMNS, Normaliser
from tasks.prep.prefetch import prefetch
from tasks.prep.reading import read_batches
from tasks.prep.report import DataReport
from tasks.prep.schema import DatasetSchema
from tasks.prep.spill import SpillFile
from tasks.prep.suppression import Suppression
from tasks.prep.writing import CsvSink, delete, read_text, write_text


@dataclass(frozen=True)
class OutputLocation:
    """Where a dataset's import file, rejects and report go, under one output prefix."""

    import_uri: str
    rejects_uri: str
    report_uri: str
    history_uri: str

    @classmethod
    def under(
        cls, output_uri: str, dataset_type: str, history_uri: str | None = None
    ) -> OutputLocation:
        """``<prefix>/<type>.csv``, ``<type>.rejects.csv`` and ``<type>.report.json``.

        The history (the last successful run's report, which the next run compares against)
        defaults to ``<type>.last-report.json`` in the parent of the output prefix, so that
        runs writing to a prefix of their own (``.../interactions/<run id>/``) share it.
        """
        prefix = output_uri.rstrip("/")
        base = f"{prefix}/{dataset_type.lower()}"
        path = prefix.rpartition("://")[2]
        parent = prefix.rsplit("/", 1)[0] if "/" in path else prefix
        history = history_uri or f"{parent}/{dataset_type.lower()}.last-report.json"
        return cls(f"{base}.csv", f"{base}.rejects.csv", f"{base}.report.json", history)


class PrepResult(BaseModel):
    """What a preparation produced: where the files are, the counts, and the data report."""

    import_uri: str
    rejects_uri: str
    report_uri: str
    rows_in: int
    rows_out: int
    rows_rejected: int
    report: DataReport


def prepare(
    source: SourceConfig,
    cleaning: CleaningConfig,
    avro_schema: dict[str, Any],
    dataset_type: str,
    output_uri: str,
    history_uri: str | None = None,
    incremental: bool = False,
    current_files: Sequence[str] = (),
    guards: ImportGuards | None = None,
) -> PrepResult:
    """Prepare a dataset's raw data into a Personalize import file under ``output_uri``.

    ``incremental``: the file will be imported INCREMENTAL, so the dataset-wide minimums are not
    required of it alone (see ``checks.personalize_checks``), and the minimums per user and
    item count the rows the dataset holds already, read from ``current_files`` (the import
    files of its current rows; ``earlier.py``). ``guards`` (default: ``ImportGuards()``) refuse
    an export with too many rejected rows, or a FULL one that shrinks the dataset too much
    (``guards.py``); ``GuardError`` says which.

    The data report is compared with the last successful run's, kept at ``history_uri``
    (default: see ``OutputLocation.under``), which it then replaces.

    Raises ``SourceError``/``ColumnError``/``SchemaError`` for input that cannot be read, and
    ``BelowMinimumsError`` (with the report) when the result breaks Personalize's rules; in
    that case no import file is left behind.
    """
    schema = DatasetSchema.from_avro(avro_schema, dataset_type)
    check_cleaning(cleaning, schema)
    out = OutputLocation.under(output_uri, schema.dataset_type, history_uri)
    report = DataReport(
        dataset_type=schema.dataset_type,
        source_uri=source.uri,
        import_uri=out.import_uri,
        rejects_uri=out.rejects_uri,
    )
    keys = [name for name in KEY_FIELDS if name in schema.names]
    arrow_schema = pa.schema(
        [(f.name, f.arrow_type) for f in schema.fields]
        + [(hash_field(name), pa.uint64()) for name in keys]
    )
    with tempfile.TemporaryDirectory(prefix="prep-") as work:
        spill = SpillFile(Path(work) / "rows.arrow", arrow_schema)
        finder = DuplicateFinder(Path(work) / "fingerprints") if cleaning.drop_duplicates else None
        left_out, latest = _source_pass(source, cleaning, schema, spill, finder, out, report)
        plan = Plan(keep=keep_mask(spill.rows, finder, left_out, report))
        if cleaning.window_days and latest is not None:
            plan.cutoff = latest - cleaning.window_days * SECONDS_PER_DAY
        earlier = dataset_history(current_files, cleaning, guards, incremental, report, Path(work))
        count_pass(spill, cleaning, plan, report, Path(work) / "counts", earlier)
        _write_pass(spill, plan, out, report, Path(work) / "stats")
    report.checks = personalize_checks(report, schema, incremental)
    report.checks += guard_checks(report, guards or ImportGuards(), incremental, earlier)
    report.compare(_previous_report(out.history_uri))
    try:
        enforce_guards(report)
        enforce(report)
    except PrepError:
        delete(out.import_uri)
        raise
    document = report.model_dump_json(indent=2)
    write_text(out.report_uri, document)
    write_text(out.history_uri, document)
    return PrepResult(
        import_uri=out.import_uri,
        rejects_uri=out.rejects_uri,
        report_uri=out.report_uri,
        rows_in=report.rows_in,
        rows_out=report.rows_out,
        rows_rejected=report.rows_rejected,
        report=report,
    )


def _source_pass(
    source: SourceConfig,
    cleaning: CleaningConfig,
    schema: DatasetSchema,
    spill: SpillFile,
    finder: DuplicateFinder | None,
    out: OutputLocation,
    report: DataReport,
) -> tuple[list[LeftOut], int | None]:
    """Read, normalise, set rejects aside, spill; (rows to leave out by batch, latest time).

    Every row is spilled; rejected rows and rows of event types not allowed are only marked
    (as (first row, rows, keep bits) for the batches that have any), which saves a copy.
    """
    normaliser = Normaliser(schema, source.timestamp_unit)
    suppression = Suppression.load(cleaning.forgotten_users_uri)
    allowed = pa.array(cleaning.event_types, pa.string()) if cleaning.event_types else None
    rejects_schema = pa.schema([(name, pa.string()) for name in (*REJECT_COLUMNS, *schema.names)])
    rejects_schema = rejects_schema.set(1, pa.field("SOURCE_ROW", pa.int64()))
    reasons = ValueCounter()
    keys = [name for name in KEY_FIELDS if name in schema.names]
    left_out: list[LeftOut] = []
    latest: int | None = None
    with CsvSink(out.rejects_uri, rejects_schema) as rejects:
        for raw in prefetch(read_batches(source, schema)):
            report.rows_in += raw.batch.num_rows
            normalised = suppression.apply(normaliser(raw), report.removed_by_rule)
            rows, good = normalised.rows, normalised.good
            if normalised.rejects is not None:
                rejects.write(normalised.rejects)
                reasons.add(normalised.rejects.column("REASON"))
            if allowed is not None:
                listed = pc.fill_null(pc.is_in(rows["EVENT_TYPE"], allowed), False)
                listed_np = listed.to_numpy(zero_copy_only=False)
                unlisted = int((~listed_np if good is None else good & ~listed_np).sum())
                report.removed_by_rule[EVENT_RULE] = (
                    report.removed_by_rule.get(EVENT_RULE, 0) + unlisted
                )
                good = listed_np if good is None else good & listed_np
            key_hashes = {name: hash_column(rows[name]) for name in keys}
            first = spill.rows
            if finder is not None:
                fingerprints = hash_rows(rows, key_hashes)
                positions = np.arange(first, first + rows.num_rows)
                if good is not None:
                    fingerprints, positions = fingerprints[good], positions[good]
                finder.add(fingerprints, positions)
            if "TIMESTAMP" in rows.schema.names:
                times = rows["TIMESTAMP"] if good is None else rows["TIMESTAMP"].filter(good)
                newest = pc.max(times).as_py()
                if newest is not None:
                    latest = newest if latest is None else max(latest, newest)
            if good is not None:
                left_out.append((first, len(good), np.packbits(good)))
            for name, hashed in key_hashes.items():
                rows = rows.append_column(hash_field(name), pa.array(hashed))
            spill.append(rows)
    if report.rows_in == 0:
        raise SourceError(f"source {source.uri} has no rows: expected at least a header and data")
    report.rows_rejected = rejects.rows
    report.rejects_by_reason = reasons.as_dict()
    report.timestamp_reading = normaliser.timestamp_reading
    return left_out, latest


def _write_pass(
    spill: SpillFile, plan: Plan, out: OutputLocation, report: DataReport, work: Path
) -> None:
    """Stream the rows that pass every rule to the import file; take the report's counts.

    Filtering and counting run in a background thread while this one writes the CSV.
    """
    names = spill.schema.names
    users, items = HashCounter(work / "users"), HashCounter(work / "items")
    events = ValueCounter()
    columns = pa.schema([field for field in spill.schema if not field.name.startswith("_hash_")])
    with CsvSink(out.import_uri, columns) as sink:
        for rows in prefetch(_output_rows(spill, plan, report)):
            sink.write(rows)
            for counter, field in ((users, "USER_ID"), (items, "ITEM_ID")):
                if field in names:
                    counter.add(id_hashes(rows, field))
            if "EVENT_TYPE" in names:
                events.add(rows["EVENT_TYPE"])
            if report.dataset_type == "INTERACTIONS":
                report.sample(rows["USER_ID"])
    report.rows_out = sink.rows
    if report.dataset_type == "INTERACTIONS":
        report.set_per_user(users.counts())
    elif "USER_ID" in names:
        report.users = len(users.counts())
    if "ITEM_ID" in names:
        report.items = len(items.counts())
    report.event_types = events.as_dict()


def _output_rows(spill: SpillFile, plan: Plan, report: DataReport) -> Iterator[pa.RecordBatch]:
    """The spill's rows that pass duplicates, window, cap and minimums; the time span."""
    for start, batch in spill.batches():
        rows = batch
        rows = rows.filter(pa.array(plan.keep.get(start, batch.num_rows)))
        if plan.cutoff is not None:
            inside = pc.greater_equal(rows["TIMESTAMP"], plan.cutoff)
            rows = drop(rows, inside, report, WINDOW_RULE)
        if plan.drop_users is not None:
            enough = ~plan.drop_users.contains(id_hashes(rows, "USER_ID"))
            rows = drop(rows, pa.array(enough), report, USER_RULE)
        if plan.drop_items is not None:
            enough = ~plan.drop_items.contains(id_hashes(rows, "ITEM_ID"))
            rows = drop(rows, pa.array(enough), report, ITEM_RULE)
        if "TIMESTAMP" in rows.schema.names and rows.num_rows:
            low, high = pc.min_max(rows["TIMESTAMP"]).values()
            report.time_start = _bound(min, report.time_start, low.as_py())
            report.time_end = _bound(max, report.time_end, high.as_py())
        yield rows


def _bound(pick: Any, current: int | None, value: int) -> int:
    return value if current is None else int(pick(current, value))


def _previous_report(uri: str) -> DataReport | None:
    """The last successful run's report at this location, if one exists and is readable."""
    text = read_text(uri)
    if text is None:
        return None
    try:
        return DataReport.model_validate_json(text)
    except ValueError:
        return None
