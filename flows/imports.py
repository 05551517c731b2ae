"""Preparing and importing a run's data, once.

1. Each configured dataset with a source is prepared (cleaned, checked against Personalize's
   minimums, written as the import folder; :func:`tasks.prep.task.prepare_dataset`, on the
   runner of the configuration's ``prep`` section). It reads the dataset's current import
   files (:func:`current_imports`): an increment's minimums per user and item count the rows
   the dataset holds, and the guards refuse a broken export (too many rejected rows, a FULL
   import that shrinks the dataset) before anything is imported. The data checks compare the
   export with the accepted data (:func:`accepted_imports`: what the serving version trained
   on) and stop the run before any import when a figure moves beyond its limit. Every dataset
   is prepared and checked before any is imported: a catalogue export refused by its checks
   leaves the interactions as they were too.
2. The import-once rule (:func:`unchanged_import`): a rerun (after a crash, or on an unchanged
   export) prepares the same import file again; when the dataset's latest finished import read
   a file with the same content (same ETag) in the same mode, importing it again would only
   cost time (FULL) or duplicate rows (INCREMENTAL), so the run reuses that import.
3. Otherwise the file is imported (FULL or INCREMENTAL) under a unique job name. An
   INCREMENTAL import first takes in the held-out rows an earlier run accepted but could not
   import (too few for an increment, :mod:`flows.restore`), as parts of their own.
4. The lineage of each dataset, and a few users of the prepared interactions (from its data
   report) for the smoke check after promotion, are returned, with the gate's holdout when
   one was asked for (set aside by preparation beside the interactions' import file,
   ``tasks.prep.holdout``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

from prefect.runtime import flow_run

from flows.configured import Resources
from flows.lineage import DataLineage
from flows.restore import pending_held_out
from tasks.accepted import accepted_imports, carry_into
from tasks.aws import AwsSettings
from tasks.config import DatasetType, PipelineConfig
from tasks.dataset_imports import finished_imports, import_dataset
from tasks.etags import etag
from tasks.prep.config import SourceConfig
from tasks.prep.holdout import Holdout, HoldoutSpec, is_holdout_file
from tasks.prep.pipeline import PrepResult
from tasks.prep.task import prepare_dataset
from tasks.reporting import run_logger
from tasks.resources import describe_resource

ImportMode = Literal["FULL", "INCREMENTAL"]


@dataclass(frozen=True)
class PreparedData:
    """What a run imported (one lineage record per dataset) and users to smoke-check with."""

    lineage: list[DataLineage] = field(default_factory=list)
    smoke_users: list[str] = field(default_factory=list)
    holdout: Holdout | None = None


def prepare_and_import(
    config: PipelineConfig,
    resources: Resources,
    interactions_uri: str | None,
    import_mode: ImportMode | None,
    holdout: HoldoutSpec | None = None,
) -> PreparedData:
    """Prepare and import every dataset with a source (inside a flow run); ``holdout``: what
    the interactions' preparation sets aside for the gate."""
    run_id = str(flow_run.get_id() or "local")
    ready: list[tuple[DatasetType, SourceConfig, ImportMode, str, PrepResult]] = []
    for dataset_type, dataset in config.datasets.configured().items():  # all, before any import
        source = source_for(config, dataset_type, interactions_uri)
        if source is None:
            continue
        output = (
            f"s3://{config.bucket}/prepared/{config.dataset_group.name}/{dataset_type}/{run_id}/"
        )
        mode = import_mode or dataset.import_mode
        dataset_arn = resources.datasets[dataset_type]
        prepared = prepare_dataset(
            source,
            dataset.cleaning,
            dataset.avro_schema,
            dataset_type,
            output,
            incremental=mode == "INCREMENTAL",
            current_files=[location(job) for job in current_imports(config.aws, dataset_arn)],
            guards=dataset.guards,
            run=config.prep,
            holdout=holdout if dataset_type == "interactions" else None,
            accepted=accepted_imports(config.aws, dataset_arn, config, dataset_type),
            checks=dataset.checks,
        )
        ready.append((dataset_type, source, mode, dataset_arn, prepared))
    records: list[DataLineage] = []
    smoke_users: list[str] = []
    held: Holdout | None = None
    for dataset_type, source, mode, dataset_arn, prepared in ready:
        import_uri = prepared.import_uri
        if mode == "INCREMENTAL" and (pending := pending_held_out(config, dataset_type)):
            carried = carry_into(import_uri, pending)
            run_logger().info(
                "Carrying %d held-out files into the import: %s", len(carried), carried
            )
        import_etag = etag(import_uri)
        previous = unchanged_import(config.aws, dataset_arn, import_etag, mode)
        if previous is not None:
            job, import_uri = previous["datasetImportJobArn"], location(previous)
            run_logger().info(
                "%s data unchanged since import %s; not importing it again", dataset_type, job
            )
        else:
            job = import_dataset(
                config.aws,
                dataset_arn,
                import_uri,
                config.role_arn,
                mode,
                job_name=_job_name(config, dataset_type),
            )
        records.append(
            DataLineage(
                dataset_type,
                source.uri,
                etag(source.uri),
                import_uri,
                import_etag,
                job,
                mode,
                prepared.rows_out,
                prepared.report.time_start,
                prepared.report.time_end,
                prepared.holdout.model_dump() if prepared.holdout else None,
                reused=previous is not None,
            )
        )
        if dataset_type == "interactions":
            smoke_users = list(prepared.report.sample_users)
            held = prepared.holdout
    return PreparedData(records, smoke_users, held)


def source_for(
    config: PipelineConfig, dataset_type: str, interactions_uri: str | None
) -> SourceConfig | None:
    """A dataset's raw source, with the interactions' URI overridden when one is given."""
    dataset = config.datasets.configured()[dataset_type]  # type: ignore[index]
    if dataset_type != "interactions" or not interactions_uri:
        return dataset.source
    if dataset.source is None:
        raise ValueError(
            "interactions_uri was given but datasets.interactions.source is not configured; "
            "configure its format and columns there"
        )
    return dataset.source.model_copy(update={"uri": interactions_uri})


def unchanged_import(
    aws: AwsSettings, dataset_arn: str, import_etag: str | None, mode: str
) -> dict[str, Any] | None:
    """The dataset's latest finished import, if it read the same content in the same mode
    (held-out rows imported after a gate are not a run's import, :mod:`flows.restore`)."""
    jobs = [job for job in finished_imports(aws, dataset_arn) if not is_holdout_file(location(job))]
    if not jobs or import_etag is None:
        return None
    latest = jobs[-1]
    same = latest.get("importMode", "FULL") == mode and etag(location(latest)) == import_etag
    return latest if same else None


def current_imports(aws: AwsSettings, dataset_arn: str) -> list[dict[str, Any]]:
    """The imports that make up the dataset now: the last FULL one and the INCREMENTAL after it."""
    jobs = finished_imports(aws, dataset_arn)
    full = [i for i, job in enumerate(jobs) if job.get("importMode", "FULL") == "FULL"]
    return jobs[full[-1] :] if full else jobs


def location(job: dict[str, Any]) -> str:
    """The S3 location an import job read."""
    return str(job["dataSource"]["dataLocation"])


def _job_name(config: PipelineConfig, dataset_type: str) -> str:
    """A unique import job name (names are unique per account, for all datasets)."""
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    return f"{config.resource_name(dataset_type)[:47]}-{stamp}"


def finished_at(aws: AwsSettings, job_arns: Iterable[str]) -> datetime | None:
    """When the last of these import jobs finished (their newest ``lastUpdatedDateTime``)."""
    times = [
        describe_resource(aws, "dataset-import-job", arn)["lastUpdatedDateTime"] for arn in job_arns
    ]
    return max(times, default=None)
