"""After a retraining run: accept its data, or put each dataset back to the accepted data.

Personalize trains on what a dataset holds, so a run imports before its gate decides. When the
run ends, for every dataset it prepared (:mod:`tasks.accepted` keeps the manifest):

1. :func:`accept_run` (the run ended without a stop, or one of its versions was promoted): the
   rows preparation held out for the gate are imported now (INCREMENTAL), so no interaction is
   lost; with fewer than Personalize's minimum for an INCREMENTAL interactions import (1,000
   records) they are carried into the next INCREMENTAL import instead (a FULL export holds them
   again). The manifest then lists the imports in effect when the promoted version was created
   (what it trained on: this run's import, after the accepted ones when INCREMENTAL), and the
   held-out file.
2. :func:`restore_datasets` (a stop, or a failure after an import): a dataset whose bulk rows
   no longer come from exactly the accepted imports is put back: a FULL import of the first
   accepted file, then an INCREMENTAL import of each later one, in order, so Personalize's own
   rules (an item, user or action id replaces the earlier record) apply as they did. With
   ``on_stop: keep`` the dataset keeps the run's data; with nothing accepted yet (no version
   serving) there is nothing to go back to.
3. Records sent one by one (PutEvents, PutItems, PutUsers, PutActions) are not bulk data: a FULL
   import does not replace them, so a restore neither undoes nor loses them.
Each dataset's outcome is a :class:`DatasetAfter`, shown in the lineage and the run's message.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

import pandas as pd

from flows.configured import Resources
from flows.lineage import DataLineage
from flows.outcomes import DatasetAfter
from tasks.accepted import (
    AcceptedData,
    AcceptedImport,
    ImportMode,
    accepted_data,
    accepted_import,
    as_accepted,
    current_sequence,
    read_manifest,
    write_manifest,
)
from tasks.config import PipelineConfig
from tasks.dataset_imports import import_dataset
from tasks.holdout_data import imports_in_effect
from tasks.prep.holdout import holdout_uri
from tasks.reporting import run_logger
from tasks.resources import describe_resource

MIN_INCREMENTAL_INTERACTIONS = 1000
"""Personalize's minimum of new records for an INCREMENTAL interactions import (developer guide,
"Updating existing bulk data")."""


def accept_run(
    config: PipelineConfig,
    resources: Resources,
    data: Sequence[DataLineage],
    run_id: str,
    versions: Sequence[str],
) -> list[DatasetAfter]:
    """Import the run's held-out rows and record as accepted the imports ``versions`` (the ones
    promoted, or trained when none was gated) trained on (module step 1)."""
    trained_at = max(
        (_created(config, version) for version in versions),
        default=datetime.now(UTC).timestamp(),
    )
    return [_accept(config, resources, d, run_id, trained_at) for d in data]


def _accept(
    config: PipelineConfig, resources: Resources, d: DataLineage, run_id: str, trained_at: float
) -> DatasetAfter:
    arn = resources.datasets[d.dataset_type]
    manifest = read_manifest(config, d.dataset_type)
    if manifest and d.import_uri in manifest.uris and as_accepted(config.aws, arn, manifest):
        return DatasetAfter(d.dataset_type, "unchanged", "unchanged: it holds the accepted data")
    # What the versions trained on: the imports in effect then (this run's, and any other run's
    # increment imported before the training started: the promoted version has it too).
    imports = [accepted_import(job) for job in imports_in_effect(config.aws, arn, trained_at)]
    if d.import_uri not in (i.uri for i in imports):
        mode: ImportMode = "INCREMENTAL" if d.import_mode == "INCREMENTAL" else "FULL"
        imports.append(AcceptedImport(uri=d.import_uri, mode=mode, job=d.import_job))
    for entry in imports:
        if entry.job == d.import_job:
            entry.run = run_id
    pending: list[str] = []  # an INCREMENTAL import carried them; a FULL export holds them
    jobs, detail = [d.import_job], "accepted: this run's import"
    held = holdout_uri(d.import_uri)
    rows = 0 if held in (i.uri for i in imports) else _rows(held)  # not twice
    if rows >= MIN_INCREMENTAL_INTERACTIONS:
        job = import_dataset(
            config.aws,
            arn,
            held,
            config.role_arn,
            "INCREMENTAL",
            job_name=_job_name(config, d.dataset_type, "held"),
        )
        imports.append(AcceptedImport(uri=held, mode="INCREMENTAL", job=job, run=run_id))
        jobs.append(job)
        detail += f" and its {rows:,} held-out rows (imported after the gate)"
    elif rows:
        pending.append(held)
        detail += (
            f"; its {rows:,} held-out rows are carried into the next INCREMENTAL import "
            f"(fewer than the {MIN_INCREMENTAL_INTERACTIONS:,} an increment needs)"
        )
    accepted = AcceptedData(dataset_type=d.dataset_type, imports=imports, pending=pending)
    uri = write_manifest(config, accepted, run_id)
    run_logger().info("%s %s; manifest %s", d.dataset_type, detail, uri)
    return DatasetAfter(d.dataset_type, "accepted", detail, jobs)


def restore_datasets(
    config: PipelineConfig, resources: Resources, dataset_types: Sequence[str], run_id: str
) -> list[DatasetAfter]:
    """Put every dataset of ``dataset_types`` back to its accepted data (module step 2)."""
    found = []
    for dataset_type in dataset_types:
        arn = resources.datasets.get(dataset_type)
        if arn is None:
            continue
        after = _restore(config, dataset_type, arn, run_id)
        if after is not None:
            found.append(after)
    return found


def _restore(
    config: PipelineConfig, dataset_type: str, arn: str, run_id: str
) -> DatasetAfter | None:
    logger = run_logger()
    accepted = accepted_data(config, dataset_type, arn)
    if accepted is None:
        if not current_sequence(config.aws, arn):
            return None
        detail = "keeps this run's data: nothing was accepted before it (no version serves)"
        logger.warning("%s %s", dataset_type, detail)
        return DatasetAfter(dataset_type, "nothing accepted", detail)
    if as_accepted(config.aws, arn, accepted):
        return None
    if config.datasets.configured()[dataset_type].on_stop == "keep":  # type: ignore[index]
        detail = f"keeps this run's data (datasets.{dataset_type}.on_stop: keep)"
        logger.warning("%s %s", dataset_type, detail)
        return DatasetAfter(dataset_type, "kept", detail)
    jobs = []
    for i, entry in enumerate(accepted.imports):
        jobs.append(
            import_dataset(
                config.aws,
                arn,
                entry.uri,
                config.role_arn,
                "FULL" if i == 0 else entry.mode,
                job_name=_job_name(config, dataset_type, f"restore{i}"),
            )
        )
    count = f"{len(jobs)} import{'s' if len(jobs) > 1 else ''}"
    detail = f"restored to the accepted data ({count} of the files in {_manifest_of(accepted)})"
    logger.info("%s %s: %s", dataset_type, detail, ", ".join(jobs))
    return DatasetAfter(dataset_type, "restored", detail, jobs)


def pending_held_out(config: PipelineConfig, dataset_type: str) -> list[str]:
    """Held-out files accepted but not imported yet, to carry into an INCREMENTAL import."""
    manifest = read_manifest(config, dataset_type)
    return list(manifest.pending) if manifest else []


def summary(after: Sequence[DatasetAfter]) -> str:
    """The datasets' outcomes as one clause for the run's message ("" when none matters)."""
    return "; ".join(
        a.summary() for a in after if a.action in ("restored", "kept", "nothing accepted")
    )


def _created(config: PipelineConfig, version: str) -> float:
    """When a solution version was created (epoch seconds)."""
    created = describe_resource(config.aws, "solution-version", version)["creationDateTime"]
    return created.timestamp() if isinstance(created, datetime) else float(created)


def _rows(uri: str) -> int:
    """Rows of a CSV file, 0 when there is none."""
    try:
        return len(pd.read_csv(uri, usecols=[0]))
    except (FileNotFoundError, pd.errors.EmptyDataError):
        return 0


def _manifest_of(accepted: AcceptedData) -> str:
    return (
        "the imports in effect when the serving version was created"
        if accepted.derived
        else (f"the manifest of run {accepted.run}")
    )


def _job_name(config: PipelineConfig, dataset_type: str, what: str) -> str:
    """A unique import job name (account-wide) for a held-out or restore import."""
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    return f"{config.resource_name(dataset_type)[:36]}-{what}-{stamp}"[:63]
