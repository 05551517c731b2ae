"""What a dataset has imported: its finished import jobs, and whether a file is already in.

A rerun (after a crash, or on an unchanged export) prepares the same import file again; when
the dataset's latest finished import read a file with the same content (same ETag), importing
it again would only cost time (FULL) or duplicate rows (INCREMENTAL), so the run reuses it.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

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


def sample_users_of(import_uri: str, count: int = 5) -> list[str]:
    """A few users of an interactions import file, for the smoke check after a promotion."""
    users = pd.read_csv(import_uri, usecols=["USER_ID"], dtype=str)["USER_ID"].drop_duplicates()
    return users.sample(min(count, len(users)), random_state=0).sort_values().tolist()
