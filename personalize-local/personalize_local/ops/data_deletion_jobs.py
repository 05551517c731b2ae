"""CreateDataDeletionJob, DescribeDataDeletionJob, ListDataDeletionJobs, and the deletion.

1. A job names a dataset group and a CSV in S3 (a file, or every .csv under a folder) with a
   single USER_ID column. The group must exist; at most 5 of its jobs may be PENDING
   (LimitExceededException), as the developer guide's "Deleting users" sets out.
2. The job goes PENDING > IN_PROGRESS > COMPLETED or FAILED, as its API documents. It fails
   with a ``failureReason`` when the files are missing, larger than 100 MB in all, or not a
   single USER_ID column.
3. The deletion removes the users' rows from every dataset of the group (bulk and put) and
   their events from the group's event trackers. Versions trained afterwards do not know them,
   and filters stop seeing their history. ``numDeleted`` is "the number of records deleted by a
   COMPLETED job" (botocore's DataDeletionJob): the rows and tracked events that went.
"""

from __future__ import annotations

import csv
import io
from typing import Any

from personalize_local.avro_schema import DatasetSchema, Field
from personalize_local.csv_import import ImportProblem, parse_csv, read_location
from personalize_local.dataset_rows import delete_users
from personalize_local.errors import InvalidInputException, LimitExceededException
from personalize_local.event_log import forget_users
from personalize_local.jobs import Job, JobFailed, Work
from personalize_local.kinds import DATA_DELETION_JOB, DATASET, DATASET_GROUP
from personalize_local.ops import Handler
from personalize_local.records import DataDeletionJob
from personalize_local.resources import create_tags, listed, require, start_create
from personalize_local.s3_access import require_access
from personalize_local.service import Call, Service

KIND = DATA_DELETION_JOB
MAX_PENDING = 5
MAX_BYTES = 100 * 1024 * 1024
_USER_IDS = DatasetSchema((Field("USER_ID", "string", nullable=False),))


def create_data_deletion_job(service: Service, call: Call) -> dict[str, Any]:
    p = call.params
    group = p["datasetGroupArn"]
    tags = create_tags(p)
    require(service, DATASET_GROUP, group)
    location = p["dataSource"].get("dataLocation", "")
    if not location.startswith("s3://"):
        raise InvalidInputException(
            f"dataSource.dataLocation {location!r} is not an S3 location such as "
            "s3://bucket/users-to-delete.csv."
        )
    pending = [j for j in listed(service, KIND, group) if j["status"] == "PENDING"]
    if len(pending) >= MAX_PENDING:
        raise LimitExceededException(
            f"The dataset group {group} already has {len(pending)} PENDING data deletion jobs "
            f"(at most {MAX_PENDING}); wait for one to start."
        )
    arn = call.arn(f"data-deletion-job/{p['jobName']}")
    require_access(service, arn, reads=(location,))
    body: DataDeletionJob = {
        "jobName": p["jobName"],
        "dataDeletionJobArn": arn,
        "datasetGroupArn": group,
        "dataSource": p["dataSource"],
        "roleArn": p["roleArn"],
        "status": "PENDING",
    }
    start_create(service, KIND, arn, body, tags, parent=group)
    return {"dataDeletionJobArn": arn}


def delete_listed_users(job: Job) -> dict[str, Any]:
    """Read the user ids, then remove their rows and events from the group."""
    body = job.record(KIND)
    service = job.service
    users = read_user_ids(service, body["dataSource"]["dataLocation"])
    group = body["datasetGroupArn"]
    deleted = sum(
        delete_users(service, dataset["datasetArn"], users)
        for dataset in listed(service, DATASET, group)
    )
    return {"numDeleted": deleted + forget_users(service, group, users)}


def read_user_ids(service: Service, location: str) -> set[str]:
    """The user ids the CSV file(s) at the location list; JobFailed saying what is wrong."""
    try:
        files = read_location(service.s3(), location)
    except ImportProblem as problem:
        raise JobFailed(str(problem)) from None
    size = sum(len(file.body) for file in files)
    if size > MAX_BYTES:
        raise JobFailed(
            f"The files at {location} hold {size / 2**20:.1f} MB; a data deletion job reads at "
            f"most {MAX_BYTES // 2**20} MB. Split the users over several jobs."
        )
    users: set[str] = set()
    for file in files:
        first_line = file.body.split(b"\n", 1)[0].decode("utf-8-sig", errors="replace")
        header = [name.strip() for name in next(csv.reader(io.StringIO(first_line)), [])]
        if header != ["USER_ID"]:
            raise JobFailed(
                f"{file.uri} must have a single USER_ID column; its header is "
                f"{','.join(header) or '(empty)'}."
            )
        try:
            users |= set(parse_csv(file, _USER_IDS)["USER_ID"].astype(str))
        except ImportProblem as problem:
            raise JobFailed(str(problem)) from None
    if not users:
        raise JobFailed(f"The files at {location} list no user ids.")
    return users


HANDLERS: dict[str, Handler] = {
    "CreateDataDeletionJob": create_data_deletion_job,
}
JOBS: dict[tuple[str, str], Work] = {
    (KIND.name, "CREATE"): delete_listed_users,
}
