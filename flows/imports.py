"""What a dataset has imported: its finished import jobs, and whether a file is already in.

A rerun (after a crash, or on an unchanged export) prepares the same import file again; when
the dataset's latest finished import read a file with the same content (same ETag), importing
it again would only cost time (FULL) or duplicate rows (INCREMENTAL), so the run reuses it.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from tasks.aws import AwsSettings, client
from tasks.resources import describe, find_all


def finished_imports(aws: AwsSettings, dataset_arn: str) -> list[dict[str, Any]]:
    """The dataset's ACTIVE import jobs, described, oldest first."""
    personalize = client(aws, "personalize")
    jobs = find_all(
        personalize,
        "list_dataset_import_jobs",
        "datasetImportJobs",
        dataset_arn,
        datasetArn=dataset_arn,
    )
    described = [
        describe(personalize, "dataset-import-job", job["datasetImportJobArn"])
        for job in jobs
        if job.get("status") == "ACTIVE"
    ]
    return sorted(described, key=lambda job: job["creationDateTime"])


def current_imports(aws: AwsSettings, dataset_arn: str) -> list[dict[str, Any]]:
    """The imports that make up the dataset now: the last FULL one and the INCREMENTAL after it."""
    jobs = finished_imports(aws, dataset_arn)
    full = [i for i, job in enumerate(jobs) if job.get("importMode", "FULL") == "FULL"]
    return jobs[full[-1] :] if full else jobs


def location(job: dict[str, Any]) -> str:
    """The S3 location an import job read."""
    return str(job["dataSource"]["dataLocation"])


def finished_at(aws: AwsSettings, job_arns: Iterable[str]) -> datetime | None:
    """When the last of these import jobs finished (their newest ``lastUpdatedDateTime``)."""
    personalize = client(aws, "personalize")
    times = [
        describe(personalize, "dataset-import-job", arn)["lastUpdatedDateTime"] for arn in job_arns
    ]
    return max(times, default=None)
