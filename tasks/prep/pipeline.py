"""Preparing one dataset for import: read, normalise, clean, check, write; in partitions.

The work is cut so that it runs in bounded memory on one machine and spreads over many:

1. Splits (``routing.py``): the source is cut into splits (files, or runs of a Parquet file's
   row groups). Each split is read and normalised; rejected rows go to its rejects file with
   their reason; its good rows are routed by a hash of USER_ID (ITEM_ID for items) into
   ``partitions`` spill files on the scratch location. Every row of a user is then in one
   partition, in source order.
2. Per-user rules (``partition.plan_partition``): each partition alone finds its exact
   duplicates and applies every rule that needs all of a user's rows (the cap, the minimum per
   user, and any rule added in ``partition._per_user_rules``). The time window's cutoff comes
   from the latest TIMESTAMP of all splits; the minimum per item from the item counts summed
   over all partitions, since an item's rows span partitions.
3. Write (``partition.write_partition``): each partition streams the rows that pass every rule
   to its own part, ``<prefix>/<type>/part-<p>.csv`` under the import folder, counting the
   report's figures on the way. Without a minimum per item, steps 2 and 3 are one job per
   partition (``partition.clean_partition``).
4. Merge: the rejects of the splits are gathered into one file beside the import folder; the
   data report is merged from the figures of the splits and partitions (``figures.py``),
   checked against Personalize's rules, compared with the last run's, and written.

Steps 1 to 3 are each a list of independent jobs handed to ``map_steps``: by default they run
one after the other in this process; ``tasks.prep.runners`` maps them as Dask futures on a
task runner (a local Dask cluster, or an existing one). The jobs are plain data and the
scratch location is shared by all of them (a local directory by default; ``s3://...`` when the
workers are on other machines), so the result is the same whichever runner ran them.

The rules apply in this order: forgotten users (``suppression.py``, loaded once and applied as
each split is read), rejects, event types, duplicates, window, cap, minimums per user and per
item (one round, on the counts after the cap). A worker's memory holds a few batches,
one bit per row of its partition, at most about 512K fingerprints or id hashes at a time
(``partitions.files_for``), and its per-user counts; disk holds the spill (about 90 bytes per
row for interactions) until the end.
"""

from __future__ import annotations

import shutil
import tempfile
import time
import uuid
from collections.abc import Callable, Sequence
from contextlib import closing
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Protocol, TypeVar

import fsspec
import numpy as np
import pandas as pd
import pyarrow as pa
from pydantic import BaseModel

from tasks.prep.checks import enforce, personalize_checks
from tasks.prep.cleaning import SECONDS_PER_DAY, below, check_cleaning
from tasks.prep.config import CleaningConfig, DataChecks, ImportGuards, SourceConfig
from tasks.prep.counting import ValueCounter
from tasks.prep.drift import RECORD_IDS, DriftRow, check_export, check_records, enforce_checks
from tasks.prep.earlier import Earlier, dataset_history
from tasks.prep.errors import PrepError, SourceError
from tasks.prep.figures import Figures, add_counts, merge_into
from tasks.prep.guards import enforce_guards, guard_checks
from tasks.prep.holdout import Holdout, HoldoutSpec, hold_out
from tasks.prep.import_folder import delete_parts
from tasks.prep.normalise import Normaliser
from tasks.prep.partition import (
    PartitionJob,
    PlanResult,
    WriteJob,
    clean_partition,
    plan_partition,
    write_partition,
)
from tasks.prep.reading import Split, list_splits, read_split, source_columns
from tasks.prep.report import DataReport
from tasks.prep.routing import SplitJob, SplitResult, rejects_uri, route_split, spill_schema
from tasks.prep.schema import DatasetSchema
from tasks.prep.suppression import Suppression
from tasks.prep.writing import delete, open_for_writing, read_text, write_text

J = TypeVar("J")
R = TypeVar("R")


class MapSteps(Protocol):
    """Runs ``step`` on every job (each job independent of the others); results in order."""

    def __call__(self, step: Callable[[J], R], jobs: Sequence[J]) -> list[R]: ...


def run_here(step: Callable[[J], R], jobs: Sequence[J]) -> list[R]:
    """Every job in this process, one after the other."""
    return [step(job) for job in jobs]


@dataclass(frozen=True)
class OutputLocation:
    """Where a dataset's import folder, rejects and report go, under one output prefix."""

    import_uri: str
    rejects_uri: str
    report_uri: str
    history_uri: str

    @classmethod
    def under(
        cls, output_uri: str, dataset_type: str, history_uri: str | None = None
    ) -> OutputLocation:
        """``<prefix>/<type>/`` (the import folder: Personalize imports every ``.csv`` in it),
        and beside it, outside that folder, ``<type>.rejects.csv`` and ``<type>.report.json``.

        The history (the last successful run's report, which the next run compares against)
        defaults to ``<type>.last-report.json`` in the parent of the output prefix, so that
        runs writing to a prefix of their own (``.../interactions/<run id>/``) share it.
        """
        prefix = output_uri.rstrip("/")
        base = f"{prefix}/{dataset_type.lower()}"
        path = prefix.rpartition("://")[2]
        parent = prefix.rsplit("/", 1)[0] if "/" in path else prefix
        history = history_uri or f"{parent}/{dataset_type.lower()}.last-report.json"
        return cls(f"{base}/", f"{base}.rejects.csv", f"{base}.report.json", history)


class PrepResult(BaseModel):
    """What a preparation produced: where the files are, the counts, and the data report."""

    import_uri: str
    rejects_uri: str
    report_uri: str
    rows_in: int
    rows_out: int
    rows_rejected: int
    report: DataReport
    holdout: Holdout | None = None


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
    partitions: int | None = None,
    scratch_uri: str | None = None,
    map_steps: MapSteps = run_here,
    workers: int = 1,
    holdout: HoldoutSpec | None = None,
    accepted: Sequence[str] = (),
    checks: DataChecks | None = None,
) -> PrepResult:
    """Prepare a dataset's raw data into a Personalize import folder under ``output_uri``.

    ``incremental``: the file will be imported INCREMENTAL, so the dataset-wide minimums are not
    required of it alone (see ``checks.personalize_checks``), and the minimums per user and
    item count the rows the dataset holds already, read from ``current_files`` (the import
    files of its current rows; ``earlier.py``). ``guards`` (default: ``ImportGuards()``) refuse
    an export with too many rejected rows, or a FULL one that shrinks the dataset too much
    (``guards.py``); ``GuardError`` says which. ``partitions``: how many parts the
    rows are split into by user (and the import folder has at most); one per worker by
    default. ``workers``: how many jobs ``map_steps`` runs at once, which sizes the splits
    (``reading.list_splits``) and the default partitions. ``scratch_uri``: where the
    steps keep rows between them (a new folder under it, removed at the end); a local temporary
    directory by default, which only workers on this machine can use. ``map_steps`` runs the
    jobs of each step (see the module docstring). ``holdout``: recent interactions of a sample
    of users to set aside beside the import folder for the gate (``holdout.py``).
    ``accepted``: the import locations of the data the serving version trained on; ``checks``
    (default: ``DataChecks()``) limits how far the export may move from it (``drift.py``,
    ``DataDriftError``), and how far in the future a row may be dated.

    The data report is compared with the last successful run's, kept at ``history_uri``
    (default: see ``OutputLocation.under``), which it then replaces.

    Raises ``SourceError``/``ColumnError``/``SchemaError`` for input that cannot be read, and
    ``BelowMinimumsError`` (with the report) when the result breaks Personalize's rules; in
    that case no import file is left behind.
    """
    schema = DatasetSchema.from_avro(avro_schema, dataset_type)
    check_cleaning(cleaning, schema)
    partitions = partitions or workers
    if partitions < 1:
        raise PrepError(f"partitions must be at least 1, got {partitions}")
    checks = checks or DataChecks()
    out = OutputLocation.under(output_uri, schema.dataset_type, history_uri)
    not_after = int(time.time() + checks.future_tolerance_hours * 3600)
    report = DataReport(
        dataset_type=schema.dataset_type,
        source_uri=source.uri,
        import_uri=out.import_uri,
        rejects_uri=out.rejects_uri,
    )
    source_columns(source, schema)  # a wrong mapping is reported before the files are listed
    splits = list_splits(source, workers)
    units = _timestamp_units(splits[0], source, schema)
    with _scratch(scratch_uri) as scratch, tempfile.TemporaryDirectory(prefix="prep-") as local:
        forgotten = Suppression.load(cleaning.forgotten_users_uri)
        split_jobs = [
            SplitJob(
                i, split, source, cleaning, schema, units, partitions, scratch, forgotten, not_after
            )
            for i, split in enumerate(splits)
        ]
        routed = map_steps(route_split, split_jobs)
        latest = _add_splits(report, routed)
        if report.rows_in == 0:
            raise SourceError(
                f"source {source.uri} has no rows: expected at least a header and data"
            )
        _gather_rejects([rejects_uri(scratch, i) for i in range(len(splits))], out.rejects_uri)
        cutoff = None
        if cleaning.window_days and latest is not None:
            cutoff = latest - cleaning.window_days * SECONDS_PER_DAY
        columns = spill_schema(schema)
        earlier = dataset_history(
            current_files, cleaning, guards, incremental, report, Path(local), forgotten
        )
        jobs = [
            PartitionJob(
                partition=p,
                rows=sum(r.rows_by_partition[p] for r in routed),
                splits=tuple(i for i, r in enumerate(routed) if r.rows_by_partition[p]),
                scratch=scratch,
                cleaning=cleaning,
                columns=columns,
                output_names=tuple(schema.names),
                cutoff=cutoff,
                earlier=_users_share(earlier, p, partitions),
            )
            for p in range(partitions)
        ]
        delete_parts(out.import_uri)  # a rerun into the same folder starts clean
        planned, written = _clean_partitions(jobs, out.import_uri, cleaning, earlier, map_steps)
        for plan in planned:
            add_counts(report.removed_by_rule, plan.removed_by_rule)
        merge_into(report, written)
    drift: list[DriftRow] = []
    if schema.dataset_type == "INTERACTIONS":
        drift = check_export(out.import_uri, accepted, checks, incremental, report)
    elif (id_column := RECORD_IDS.get(schema.dataset_type)) is not None:
        drift = check_records(out.import_uri, accepted, checks, incremental, id_column, report)
    report.data_checks = [row.cells() for row in drift]
    output = pa.schema([(field.name, field.arrow_type) for field in schema.fields])
    held = hold_out(out.import_uri, output, holdout, report, not incremental) if holdout else None
    report.checks = personalize_checks(report, schema, incremental)
    report.checks += guard_checks(report, guards or ImportGuards(), incremental, earlier)
    report.compare(_previous_report(out.history_uri))
    try:
        enforce_guards(report)
        enforce_checks(drift, report)
        enforce(report)
    except PrepError:
        delete_parts(out.import_uri)
        if held is not None:
            delete(held.uri)
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
        holdout=held,
    )


def _timestamp_units(first: Split, source: SourceConfig, schema: DatasetSchema) -> dict[str, Any]:
    """The timestamp units read in the source's first batch, which every split then keeps."""
    normaliser = Normaliser(schema, source.timestamp_unit)
    with closing(read_split(first, source, schema)) as batches:
        batch = next(batches, None)
    if batch is not None:
        normaliser(batch)
    return {name: converter.unit for name, converter in normaliser.timestamps.items()}


def _add_splits(report: DataReport, routed: list[SplitResult]) -> int | None:
    """Add the splits' counts to the report; the latest TIMESTAMP of their good rows."""
    readings: dict[str, set[str]] = {}
    reasons: dict[str, int] = {}
    latest: int | None = None
    for result in routed:
        report.rows_in += result.rows_in
        report.rows_rejected += result.rows_rejected
        add_counts(reasons, result.rejects_by_reason)
        add_counts(report.removed_by_rule, result.removed_by_rule)
        for name, found in result.timestamp_readings.items():
            readings.setdefault(name, set()).update(found)
        if result.latest is not None:
            latest = result.latest if latest is None else max(latest, result.latest)
    report.rejects_by_reason = ValueCounter.sorted(reasons)
    report.timestamp_reading = (
        "; ".join(f"{n}: {', '.join(sorted(r)) or 'no timestamps'}" for n, r in readings.items())
        or "none"
    )
    return latest


def _clean_partitions(
    jobs: list[PartitionJob],
    import_uri: str,
    cleaning: CleaningConfig,
    earlier: Earlier | None,
    map_steps: MapSteps,
) -> tuple[list[PlanResult], list[Figures]]:
    """Steps 2 and 3 on every partition: in two rounds when items have a minimum, else one."""
    if cleaning.min_interactions_per_item <= 1:
        both = map_steps(clean_partition, [WriteJob(job, import_uri) for job in jobs])
        return [plan for plan, _ in both], [figures for _, figures in both]
    planned = map_steps(plan_partition, jobs)
    drop_items = _items_below(planned, cleaning.min_interactions_per_item, earlier)
    written = map_steps(write_partition, [WriteJob(job, import_uri, drop_items) for job in jobs])
    return planned, written


def _items_below(
    planned: list[PlanResult], minimum: int, earlier: Earlier | None
) -> np.ndarray | None:
    """The hashes of items below the minimum, on counts summed over all partitions.

    The counts include the dataset's earlier rows (``earlier``) when those were read.
    """
    counts = [p.item_counts for p in planned if p.item_counts is not None]
    if minimum <= 1 or not counts:
        return None
    return below(pd.concat(counts).groupby(level=0).sum(), minimum, earlier, "ITEM_ID")


def _users_share(earlier: Earlier | None, partition: int, partitions: int) -> Earlier | None:
    """The dataset's earlier rows per user, of the users of one partition only."""
    if earlier is None or "USER_ID" not in earlier.per_id:
        return earlier if earlier is None else replace(earlier, files=[], per_id={})
    users = earlier.per_id["USER_ID"]
    mine = users.index.to_numpy(np.uint64) % np.uint64(partitions) == partition
    return replace(earlier, files=[], per_id={"USER_ID": users[mine]})


def _gather_rejects(parts: list[str], uri: str) -> None:
    """The splits' rejects, one file after the other, as one CSV with one header."""
    with open_for_writing(uri, "wb") as target:
        for i, part in enumerate(parts):
            with fsspec.open(part, "rb") as source:
                header = source.readline()
                if i == 0:
                    target.write(header)
                shutil.copyfileobj(source, target, 8 << 20)


class _scratch:
    """A new folder under ``scratch_uri`` (or a local temporary one), removed afterwards."""

    def __init__(self, scratch_uri: str | None) -> None:
        if scratch_uri is None:
            self.uri = tempfile.mkdtemp(prefix="prep-")
        else:
            self.uri = f"{scratch_uri.rstrip('/')}/prep-{uuid.uuid4().hex[:12]}"

    def __enter__(self) -> str:
        return self.uri

    def __exit__(self, *exc: object) -> None:
        fs, path = fsspec.core.url_to_fs(self.uri)
        if fs.exists(path):
            fs.rm(path, recursive=True)


def _previous_report(uri: str) -> DataReport | None:
    """The last successful run's report at this location, if one exists and is readable."""
    text = read_text(uri)
    if text is None:
        return None
    try:
        return DataReport.model_validate_json(text)
    except ValueError:
        return None
