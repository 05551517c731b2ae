"""Prefect over ``pipeline.prepare``: prepares one dataset on the configured runner, publishes its report.

``prepare_dataset(source, cleaning, schema, dataset_type, output_uri, ..., run=PrepRunConfig())
-> PrepResult`` writes the import folder ``<output_uri>/<type>/`` (a ``part-<p>.csv`` per
partition), and beside it ``<type>.rejects.csv`` and ``<type>.report.json`` (also kept at a
stable ``history_uri`` that the next run compares against), and publishes the data report as a
markdown artifact keyed ``data-report-<type>``. When the data breaks Personalize's rules the
report is still published, then ``BelowMinimumsError`` is raised. Where the work runs:

1. ``run.runner == "process"`` (default): one task, ``prepare-<type>``, runs every step in the
   flow's process, one after the other, as before there were runners.
2. ``run.runner == "dask"``: a subflow ``prepare-<type>`` on a ``DaskTaskRunner``
   (``runners.py``) maps each step's jobs as Prefect tasks (``route-split-<i>``,
   ``plan-partition-<p>``, ``write-partition-<p>``) over a local Dask cluster, or the
   existing one at ``run.dask_address``; each step logs how long it took.
"""

from __future__ import annotations

from typing import Any

from prefect import flow, task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NO_CACHE
from prefect.logging import get_run_logger

from tasks.prep.config import CleaningConfig, PrepRunConfig, SourceConfig
from tasks.prep.errors import BelowMinimumsError
from tasks.prep.pipeline import MapSteps, PrepResult, prepare, run_here
from tasks.prep.report import DataReport
from tasks.prep.runners import dask_task_runner, map_as_tasks, scratch_for


def prepare_dataset(
    source: SourceConfig,
    cleaning: CleaningConfig,
    schema: dict[str, Any],
    dataset_type: str,
    output_uri: str,
    history_uri: str | None = None,
    incremental: bool = False,
    run: PrepRunConfig | None = None,
) -> PrepResult:
    """Prepare a dataset's raw data into an import folder under ``output_uri`` (``s3://...``).

    ``history_uri`` keeps the last successful run's report for the drift table; by default it
    is ``<type>.last-report.json`` in the parent of ``output_uri``. ``incremental``: the file
    is for an INCREMENTAL import, so Personalize's dataset-wide minimums are not required of it.
    ``run``: where the steps run (the configuration's ``prep`` section). Call it from a flow.
    """
    run = run or PrepRunConfig()
    arguments = (source, cleaning, schema, dataset_type, output_uri, history_uri, incremental, run)
    if run.runner == "process":
        return prepare_here(*arguments)
    return prepare_on_dask.with_options(task_runner=dask_task_runner(run))(*arguments)


@task(name="prepare-dataset", task_run_name="prepare-{dataset_type}", cache_policy=NO_CACHE)
def prepare_here(
    source: SourceConfig,
    cleaning: CleaningConfig,
    schema: dict[str, Any],
    dataset_type: str,
    output_uri: str,
    history_uri: str | None,
    incremental: bool,
    run: PrepRunConfig,
) -> PrepResult:
    """The preparation in this task's process, every step one after the other."""
    return _prepare_and_publish(
        source, cleaning, schema, dataset_type, output_uri, history_uri, incremental, run, run_here
    )


@flow(name="prepare-dataset", flow_run_name="prepare-{dataset_type}")
def prepare_on_dask(
    source: SourceConfig,
    cleaning: CleaningConfig,
    avro_schema: dict[str, Any],
    dataset_type: str,
    output_uri: str,
    history_uri: str | None,
    incremental: bool,
    run: PrepRunConfig,
) -> PrepResult:
    """The preparation with each step's jobs mapped as Prefect tasks on the Dask task runner."""
    return _prepare_and_publish(
        source, cleaning, avro_schema, dataset_type, output_uri, history_uri, incremental, run,
        map_as_tasks,
    )  # fmt: skip


def _prepare_and_publish(
    source: SourceConfig,
    cleaning: CleaningConfig,
    schema: dict[str, Any],
    dataset_type: str,
    output_uri: str,
    history_uri: str | None,
    incremental: bool,
    run: PrepRunConfig,
    map_steps: MapSteps,
) -> PrepResult:
    """The preparation; its report published as an artifact, also when the data falls short."""
    logger = get_run_logger()
    logger.info(
        "Preparing %s from %s into %s (%s, %d partitions)",
        dataset_type,
        source.uri,
        output_uri,
        run.dask_address or run.runner,
        run.partitions,
    )
    try:
        result = prepare(
            source,
            cleaning,
            schema,
            dataset_type,
            output_uri,
            history_uri,
            incremental,
            partitions=run.partitions,
            scratch_uri=scratch_for(run, output_uri),
            map_steps=map_steps,
        )
    except BelowMinimumsError as error:
        if isinstance(error.report, DataReport):
            publish_report(error.report)
        raise
    publish_report(result.report)
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
