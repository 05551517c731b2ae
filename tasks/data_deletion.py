"""Data deletion jobs: ``delete_users`` removes users and their data from a dataset group.

``read_user_ids`` reads the ids a request names in a file (local or ``s3://``).

1. ``write_user_ids`` writes the ids as a CSV with a single USER_ID column, the input that
   CreateDataDeletionJob reads (in the suppression folder, the same file keeps the users out of
   later imports: ``tasks.prep.suppression``).
2. ``delete_users`` starts the job, or attaches to the job of that name when a rerun finds it
   (running: waited for; COMPLETED: returned; FAILED: raised, a name cannot be reused), and
   waits until COMPLETED (PENDING > IN_PROGRESS > COMPLETED, the ``data-deletion-job`` waiter
   kind); a FAILED job raises ``ResourceFailedError`` with AWS's ``failureReason``.
"""

from __future__ import annotations

import csv
import io
from typing import Any

import fsspec

from tasks.aws import AwsSettings, client
from tasks.errors import translated
from tasks.prep.writing import write_text
from tasks.reporting import run_logger
from tasks.resources import Wanted, find
from tasks.retries import personalize_task
from tasks.waiter import ResourceFailedError, describe, wait_for

KIND = "data-deletion-job"


def read_user_ids(uri: str) -> list[str]:
    """The ids in a file, local or ``s3://``: a CSV's USER_ID column, or one id per line."""
    with fsspec.open(uri, "r", encoding="utf-8") as handle:
        text = str(handle.read())
    lines = text.splitlines()
    if lines and lines[0].strip().upper().startswith("USER_ID"):
        rows = csv.DictReader(io.StringIO(text))
        return [row["USER_ID"] for row in rows if row.get("USER_ID") is not None]
    return [line for line in lines if line.strip()]


@personalize_task()
def write_user_ids(uri: str, users: list[str]) -> str:
    """Write the ids as a CSV of one USER_ID column (the data deletion job's input); the URI."""
    write_text(uri, "USER_ID\n" + "".join(f"{user}\n" for user in users))
    return uri


@personalize_task()
def delete_users(
    aws: AwsSettings,
    dataset_group_arn: str,
    data_location: str,
    role_arn: str,
    job_name: str,
    deadline_seconds: float | None = None,
) -> dict[str, Any]:
    """The COMPLETED data deletion job (its description) that deleted the listed users."""
    personalize = client(aws, "personalize")
    logger = run_logger()
    job = find(personalize, KIND, Wanted(KIND, job_name).matches, dataset_group_arn)
    if job is None:
        with translated(f"data deletion job {job_name}"):
            arn = personalize.create_data_deletion_job(
                jobName=job_name,
                datasetGroupArn=dataset_group_arn,
                dataSource={"dataLocation": data_location},
                roleArn=role_arn,
            )["dataDeletionJobArn"]
        logger.info("Started data deletion job %s for the users in %s", arn, data_location)
    else:
        arn = job["dataDeletionJobArn"]
        if job.get("status") == "FAILED":
            raise ResourceFailedError(
                KIND, arn, "FAILED",
                f"{job.get('failureReason') or 'no reason given'} (a job name cannot be "
                "reused: run again under a new name)",
            )  # fmt: skip
        logger.info("Attaching to the data deletion job %s (%s)", arn, job.get("status"))
    wait_for(personalize, KIND, arn, deadline_seconds=deadline_seconds)
    return describe(personalize, KIND, arn)
