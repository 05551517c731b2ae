"""Dataset import jobs: ``import_dataset`` loads a CSV from S3 into a dataset and waits.

A rerun after a crash attaches to the import already running for the same dataset, file and
mode instead of starting a second one; an import of other data still running on the dataset is
waited out first (Personalize runs one import per dataset at a time). Given a ``job_name``, a
rerun after the import finished returns that import instead of importing again.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any, Literal

from tasks.aws import AwsSettings, client
from tasks.errors import translated
from tasks.reporting import run_logger
from tasks.resources import find, find_all, in_flight, resume_named_job
from tasks.retries import personalize_task
from tasks.waiter import describe, wait_for


@personalize_task()
def import_dataset(
    aws: AwsSettings,
    dataset_arn: str,
    data_location: str,
    role_arn: str,
    import_mode: Literal["FULL", "INCREMENTAL"] = "FULL",
    job_name: str | None = None,
    deadline_seconds: float | None = None,
) -> str:
    """The ARN of the finished (ACTIVE) import of ``data_location`` into the dataset."""
    personalize = client(aws, "personalize")
    logger = run_logger()
    while running := find(personalize, "dataset-import-job", in_flight, dataset_arn):
        arn = running["datasetImportJobArn"]
        job = describe(personalize, "dataset-import-job", arn)
        same = (
            job.get("dataSource", {}).get("dataLocation") == data_location
            and job.get("importMode", "FULL") == import_mode
        )
        if same:
            logger.info("Attaching to the import already running: %s", arn)
            wait_for(personalize, "dataset-import-job", arn, deadline_seconds=deadline_seconds)
            return str(arn)
        logger.info("Another import is running on the dataset (%s); waiting for it first", arn)
        wait_for(personalize, "dataset-import-job", arn, deadline_seconds=deadline_seconds)
    if job_name and (
        done := resume_named_job(
            personalize, "dataset-import-job", job_name, dataset_arn, deadline_seconds
        )
    ):
        return done
    # Job names are account-wide: a time stamp alone collides when two datasets import at once.
    name = job_name or f"import-{datetime.now(UTC):%Y%m%d-%H%M%S}-{uuid.uuid4().hex[:6]}"
    with translated(f"import {name} into {dataset_arn}"):
        response = personalize.create_dataset_import_job(
            jobName=name,
            datasetArn=dataset_arn,
            dataSource={"dataLocation": data_location},
            roleArn=role_arn,
            importMode=import_mode,
        )
    arn = str(response["datasetImportJobArn"])
    logger.info("Started import %s of %s (%s)", arn, data_location, import_mode)
    wait_for(personalize, "dataset-import-job", arn, deadline_seconds=deadline_seconds)
    return arn


@personalize_task()
def finished_imports(aws: AwsSettings, dataset_arn: str) -> list[dict[str, Any]]:
    """The dataset's ACTIVE import jobs, described, oldest first."""
    personalize = client(aws, "personalize")
    described = [
        describe(personalize, "dataset-import-job", job["datasetImportJobArn"])
        for job in find_all(personalize, "dataset-import-job", dataset_arn)
        if job.get("status") == "ACTIVE"
    ]
    return sorted(described, key=lambda job: job["creationDateTime"])
