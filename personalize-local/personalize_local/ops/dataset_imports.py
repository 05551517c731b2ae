"""CreateDatasetImportJob, DescribeDatasetImportJob, ListDatasetImportJobs, and the import.

The import runs as the job's work: it reads the CSV (a file or every .csv under a prefix) from
S3, checks the header and every value against the dataset's schema, checks Personalize's
minimums for interactions, and stores the rows (FULL replaces, INCREMENTAL appends, or replaces
by id for items and users). Any problem fails the job with a ``failureReason`` naming the row
and column, and leaves the dataset's earlier rows as they were.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from personalize_local.avro_schema import parse_schema
from personalize_local.csv_import import ImportProblem, parse_csv, read_location
from personalize_local.dataset_rows import ID_COLUMN, read_rows, write_rows
from personalize_local.engine.training import MIN_INTERACTIONS, MIN_USERS_WITH_TWO
from personalize_local.errors import ResourceInUseException
from personalize_local.jobs import Job, JobFailed, Work
from personalize_local.kinds import DATASET, DATASET_IMPORT_JOB, SCHEMA
from personalize_local.ops import Handler
from personalize_local.ops.metric_attributions import refresh_reports
from personalize_local.records import DatasetImportJob
from personalize_local.resources import (
    create_tags,
    find,
    in_flight,
    listed,
    require_active,
    start_create,
)
from personalize_local.s3_access import require_access
from personalize_local.service import Call, Service

KIND = DATASET_IMPORT_JOB


def create_dataset_import_job(service: Service, call: Call) -> dict[str, Any]:
    p = call.params
    tags = create_tags(p)
    dataset_arn = p["datasetArn"]
    require_active(service, DATASET, dataset_arn)
    for other in listed(service, KIND, dataset_arn):
        if in_flight(other):
            raise ResourceInUseException(
                f"The dataset {dataset_arn} is already importing with "
                f"{other['datasetImportJobArn']} ({other['status']}); wait for it to finish."
            )
    arn = call.arn(f"dataset-import-job/{p['jobName']}")
    require_access(service, arn, reads=(p["dataSource"].get("dataLocation", ""),))
    body: DatasetImportJob = {
        "jobName": p["jobName"],
        "datasetImportJobArn": arn,
        "datasetArn": dataset_arn,
        "dataSource": p["dataSource"],
        "importMode": p.get("importMode", "FULL"),
        "publishAttributionMetricsToS3": p.get("publishAttributionMetricsToS3", False),
        "status": "CREATE PENDING",
    }
    if "roleArn" in p:
        body["roleArn"] = p["roleArn"]
    start_create(service, KIND, arn, body, tags, parent=dataset_arn)
    return {"datasetImportJobArn": arn}


def run_import(job: Job) -> dict[str, Any]:
    """Read, check and store the import's rows; fail naming the problem."""
    body = job.record(KIND)
    service = job.service
    dataset = find(service, DATASET, body["datasetArn"])
    if dataset is None:
        raise JobFailed(f"The dataset {body['datasetArn']} no longer exists.")
    schema_doc = find(service, SCHEMA, dataset.get("schemaArn", ""))
    if schema_doc is None:
        raise JobFailed(f"The dataset {dataset['datasetArn']} has no schema to import with.")
    schema = parse_schema(schema_doc["schema"])
    dataset_type = dataset["datasetType"]
    location = body["dataSource"].get("dataLocation", "")
    try:
        files = read_location(service.s3(), location)
        rows = pd.concat([parse_csv(file, schema) for file in files], ignore_index=True)
    except ImportProblem as problem:
        raise JobFailed(str(problem)) from None
    id_column = ID_COLUMN.get(dataset_type)
    if id_column:
        rows = rows.drop_duplicates(id_column, keep="last")
    if dataset_type == "INTERACTIONS":
        _check_minimums(service, dataset["datasetArn"], rows, body["importMode"])
    total = write_rows(service, dataset["datasetArn"], dataset_type, rows, body["importMode"])
    refresh_reports(service, dataset["datasetGroupArn"])
    return {"rowsImported": len(rows), "datasetRowCount": total}


def _check_minimums(service: Service, dataset_arn: str, rows: pd.DataFrame, mode: str) -> None:
    users = rows["USER_ID"]
    if mode == "INCREMENTAL":
        existing = read_rows(service, dataset_arn)
        if not existing.empty:
            users = pd.concat([existing["USER_ID"], users], ignore_index=True)
    per_user = users.value_counts()
    interactions = len(users)
    users_with_two = int((per_user >= 2).sum())
    if interactions < MIN_INTERACTIONS or users_with_two < MIN_USERS_WITH_TWO:
        raise JobFailed(
            "Too little data to train on: the Interactions dataset would hold "
            f"{interactions} interactions (Personalize needs at least {MIN_INTERACTIONS}) and "
            f"{users_with_two} users with at least 2 interactions (it needs at least "
            f"{MIN_USERS_WITH_TWO}). Import more interactions."
        )


HANDLERS: dict[str, Handler] = {
    "CreateDatasetImportJob": create_dataset_import_job,
}
JOBS: dict[tuple[str, str], Work] = {
    (KIND.name, "CREATE"): run_import,
}
