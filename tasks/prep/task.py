"""The Prefect task over ``pipeline.prepare``: prepares one dataset and publishes its report.

``prepare_dataset(source, cleaning, schema, dataset_type, output_uri) -> PrepResult`` writes
``<output_uri>/<type>.csv`` (the import file), ``<type>.rejects.csv`` and ``<type>.report.json``
(also kept at a stable ``history_uri`` that the next run compares against), and publishes the data report as a markdown
artifact keyed ``data-report-<type>``. When the data breaks Personalize's rules the report is
still published, then ``BelowMinimumsError`` is raised.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from prefect.artifacts import create_markdown_artifact
from prefect.logging import get_run_logger

from tasks.prep.config import CleaningConfig, ImportGuards, SourceConfig
from tasks.prep.errors import BelowMinimumsError
from tasks.prep.holdout import HoldoutSpec
from tasks.prep.pipeline import PrepResult, prepare
from tasks.prep.report import DataReport
from tasks.retries import personalize_task


@personalize_task(name="prepare-dataset", task_run_name="prepare-{dataset_type}")
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
    holdout: HoldoutSpec | None = None,
) -> PrepResult:
    """Prepare a dataset's raw data into an import file under ``output_uri`` (``s3://...``).

    ``history_uri`` keeps the last successful run's report for the drift table; by default it
    is ``<type>.last-report.json`` in the parent of ``output_uri``. ``incremental``: the file
    is for an INCREMENTAL import, so Personalize's dataset-wide minimums are not required of it
    and the minimums per user and item count the rows the dataset holds (``current_files``, its
    current import files). ``guards`` refuse a broken export before any import (``GuardError``).
    ``holdout``: set the gate's holdout aside beside the import file (``prep.holdout``).
    """
    logger = get_run_logger()
    logger.info("Preparing %s from %s into %s", dataset_type, source.uri, output_uri)
    try:
        result = prepare(
            source,
            cleaning,
            schema,
            dataset_type,
            output_uri,
            history_uri,
            incremental,
            current_files,
            guards,
            holdout,
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
