"""Prefect over ``pipeline.prepare``: prepares one dataset on the configured runner, publishes its report.

``prepare_dataset(source, cleaning, schema, dataset_type, output_uri, ..., run=PrepRunConfig())
-> PrepResult`` writes the import folder ``<output_uri>/<type>/`` (a ``part-<p>.csv`` per
partition), and beside it ``<type>.rejects.csv`` and ``<type>.report.json`` (also kept at a
stable ``history_uri`` that the next run compares against), and publishes the data report as a
markdown artifact keyed ``data-report-<type>``. When the data breaks Personalize's rules or a
guard, the report is still published, then ``BelowMinimumsError`` (``GuardError``) is raised.
Where the work runs:

1. ``run.runner == "process"`` (default): one task, ``prepare-<type>``, runs every step in the
   flow's process, one after the other, as before there were runners.
2. ``run.runner == "dask"``: a subflow ``prepare-<type>`` on a ``DaskTaskRunner``
   (``runners.py``) maps each step's jobs as Dask futures (``route-split-<i>``,
   ``clean-partition-<p>``, or ``plan-partition-<p>`` then ``write-partition-<p>``) over a
   local Dask cluster, or the existing one at ``run.dask_address``; each job and step logs how
   long it took, and the table artifact ``prep-jobs-<type>`` lists the jobs.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from prefect import flow
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.logging import get_run_logger
from pydantic import BaseModel, Field

from tasks.prep.config import (
    CleaningConfig,
    DataChecks,
    ImportGuards,
    PrepRunConfig,
    SourceConfig,
)
from tasks.prep.errors import BelowMinimumsError
from tasks.prep.holdout import HoldoutSpec
from tasks.prep.pipeline import MapSteps, PrepResult, prepare, run_here
from tasks.prep.report import DataReport
from tasks.prep.runners import (
    ClusterMap,
    JobRun,
    cluster_threads,
    dask_task_runner,
    quiet_cluster,
    scratch_for,
)
from tasks.retries import personalize_task


class PrepRequest(BaseModel):
    """Everything one preparation needs (the arguments of ``prepare_dataset``)."""

    source: SourceConfig
    cleaning: CleaningConfig
    avro_schema: dict[str, Any]
    dataset_type: str
    output_uri: str
    history_uri: str | None = None
    incremental: bool = False
    current_files: list[str] = Field(default_factory=list)
    guards: ImportGuards | None = None
    run: PrepRunConfig = Field(default_factory=PrepRunConfig)
    holdout: HoldoutSpec | None = None
    accepted: list[str] = Field(default_factory=list)
    checks: DataChecks | None = None


def prepare_dataset(
    source: SourceConfig,
    cleaning: CleaningConfig,
    schema: dict[str, Any],
    dataset_type: str,
    output_uri: str,
    history_uri: str | None = None,
    incremental: bool = False,
    current_files: Sequence[str] = (),
    guards: ImportGuards | None = None,
    run: PrepRunConfig | None = None,
    holdout: HoldoutSpec | None = None,
    accepted: Sequence[str] = (),
    checks: DataChecks | None = None,
) -> PrepResult:
    """Prepare a dataset's raw data into an import folder under ``output_uri`` (``s3://...``).

    ``history_uri`` keeps the last successful run's report for the drift table; by default it
    is ``<type>.last-report.json`` in the parent of ``output_uri``. ``incremental``: the file
    is for an INCREMENTAL import, so Personalize's dataset-wide minimums are not required of it
    and the minimums per user and item count the rows the dataset holds (``current_files``, its
    current import files). ``guards`` refuse a broken export before any import (``GuardError``).
    ``run``: where the steps run (the configuration's ``prep`` section). Call it from a flow.
    ``holdout``: set the gate's holdout aside beside the import folder (``prep.holdout``).
    ``accepted`` (the import locations the serving version trained on) and ``checks``: the
    export is compared with that data before any import (``prep.drift``, ``DataDriftError``).
    """
    request = PrepRequest(
        source=source,
        cleaning=cleaning,
        avro_schema=schema,
        dataset_type=dataset_type,
        output_uri=output_uri,
        history_uri=history_uri,
        incremental=incremental,
        current_files=list(current_files),
        guards=guards,
        run=run or PrepRunConfig(),
        holdout=holdout,
        accepted=list(accepted),
        checks=checks,
    )
    name = f"prepare-{dataset_type.lower()}"
    if request.run.runner == "process":
        return prepare_here.with_options(task_run_name=name)(request)
    runner = dask_task_runner(request.run)
    with quiet_cluster():  # a local cluster starts with the subflow
        return prepare_on_dask.with_options(flow_run_name=name, task_runner=runner)(request)


@personalize_task(name="prepare-dataset")
def prepare_here(request: PrepRequest) -> PrepResult:
    """The preparation in this task's process, every step one after the other."""
    return _prepare_and_publish(request, run_here, workers=1)


@flow(name="prepare-dataset")
def prepare_on_dask(request: PrepRequest) -> PrepResult:
    """The preparation with each step's jobs mapped as Dask futures on the task runner's cluster."""
    jobs = ClusterMap()
    try:
        return _prepare_and_publish(request, jobs, workers=cluster_threads())
    finally:
        publish_jobs(jobs.runs, request.dataset_type)


def _prepare_and_publish(request: PrepRequest, map_steps: MapSteps, workers: int) -> PrepResult:
    """The preparation; its report published as an artifact, also when the data falls short."""
    logger = get_run_logger()
    run = request.run
    logger.info(
        "Preparing %s from %s into %s (%s, %d workers, %d partitions)",
        request.dataset_type,
        request.source.uri,
        request.output_uri,
        run.dask_address or run.runner,
        workers,
        run.partitions or workers,
    )
    try:
        result = prepare(
            request.source,
            request.cleaning,
            request.avro_schema,
            request.dataset_type,
            request.output_uri,
            request.history_uri,
            request.incremental,
            request.current_files,
            request.guards,
            partitions=run.partitions,
            scratch_uri=scratch_for(run, request.output_uri),
            map_steps=map_steps,
            workers=workers,
            holdout=request.holdout,
            accepted=request.accepted,
            checks=request.checks,
        )
    except BelowMinimumsError as error:
        if isinstance(error.report, DataReport):
            publish_report(error.report)
            publish_checks(error.report)
        raise
    publish_report(result.report)
    publish_checks(result.report)
    logger.info(
        "Prepared %s rows of %s (%s rejected) into %s",
        result.rows_out,
        result.rows_in,
        result.rows_rejected,
        result.import_uri,
    )
    return result


def publish_report(report: DataReport) -> None:
    """The data report as a markdown artifact of the current run."""
    create_markdown_artifact(
        key=f"data-report-{report.dataset_type.lower()}",
        markdown=report.markdown(),
        description=f"Data prepared for the {report.dataset_type.lower()} import",
    )


def publish_jobs(runs: list[JobRun], dataset_type: str) -> None:
    """The Dask run's jobs (step, job, worker, seconds) as a table artifact of the subflow."""
    if not runs:
        return
    kind = dataset_type.lower()
    create_table_artifact(
        [
            {"job": f"{run.step}-{run.job}", "worker": run.worker, "seconds": round(run.seconds, 2)}
            for run in runs
        ],
        key=f"prep-jobs-{kind}",
        description=f"## Preparation jobs: {kind}\n\nEach job of each step, in order, with the "
        "Dask worker that ran it and its wall time.",
    )


def publish_checks(report: DataReport) -> None:
    """The export against the accepted data, a row per figure, as a table artifact."""
    if not report.data_checks:
        return
    stopped = [row["figure"] for row in report.data_checks if row["verdict"] == "stop"]
    verdict = (
        f"Stopped before any import: {', '.join(stopped)} beyond the limit."
        if stopped
        else "Every figure within its limit."
    )
    kind = report.dataset_type.lower()
    create_table_artifact(
        report.data_checks,
        key=f"data-checks-{kind}",
        description=f"## Data checks: {kind} export against the accepted data\n\n{verdict} "
        f"Limits: datasets.{kind}.checks.",
    )
