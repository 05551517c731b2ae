"""CreateDatasetExportJob, DescribeDatasetExportJob, ListDatasetExportJobs, and the export.

1. A job names a dataset (not an Actions or Action interactions one: those cannot be exported),
   an ``ingestionMode`` (BULK, PUT or ALL; PUT when not given) and an S3 folder.
2. It goes CREATE PENDING > CREATE IN_PROGRESS > ACTIVE or CREATE FAILED (a failureReason when
   the bucket cannot be written).
3. It writes the records as CSV with a header of the schema's field names (the developer
   guide, "Exporting a dataset") under ``<path>/<jobName>/``, in parts of at most
   ``ROWS_PER_FILE`` rows: BULK the imported rows, PUT those put one by one (for an
   Interactions dataset, the events PutEvents received too), ALL both, keeping only the newest
   row of an item or user id. Rows equal in every field are written once.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from personalize_local.avro_schema import parse_schema
from personalize_local.dataset_rows import read_rows, read_source
from personalize_local.errors import InvalidInputException
from personalize_local.event_log import read_events
from personalize_local.jobs import Job, JobFailed, Work
from personalize_local.kinds import DATASET, DATASET_EXPORT_JOB, SCHEMA
from personalize_local.ops import Handler
from personalize_local.records import Dataset, DatasetExportJob
from personalize_local.resources import create_tags, find, require, require_active, start_create
from personalize_local.s3_access import require_access
from personalize_local.service import Call, Service

KIND = DATASET_EXPORT_JOB
NOT_EXPORTABLE = ("ACTIONS", "ACTION_INTERACTIONS")
ROWS_PER_FILE = 1_000_000


def create_dataset_export_job(service: Service, call: Call) -> dict[str, Any]:
    p = call.params
    tags = create_tags(p)
    dataset = require_active(service, DATASET, p["datasetArn"])
    if str(dataset["datasetType"]).upper() in NOT_EXPORTABLE:
        raise InvalidInputException(
            f"The dataset {p['datasetArn']} is a {str(dataset['datasetType']).title()} "
            "dataset; Actions and Action interactions datasets cannot be exported."
        )
    output_path(p["jobOutput"]["s3DataDestination"]["path"])
    arn = call.arn(f"dataset-export-job/{p['jobName']}")
    require_access(service, arn, writes=(p["jobOutput"]["s3DataDestination"]["path"],))
    body: DatasetExportJob = {
        "jobName": p["jobName"],
        "datasetExportJobArn": arn,
        "datasetArn": p["datasetArn"],
        "ingestionMode": p.get("ingestionMode", "PUT"),
        "roleArn": p["roleArn"],
        "jobOutput": p["jobOutput"],
        "status": "CREATE PENDING",
    }
    start_create(service, KIND, arn, body, tags, parent=p["datasetArn"])
    return {"datasetExportJobArn": arn}


def output_path(uri: str) -> tuple[str, str]:
    """(bucket, key prefix) of the output folder, or InvalidInputException."""
    bucket, _, prefix = uri.removeprefix("s3://").partition("/")
    if not uri.startswith("s3://") or not bucket:
        raise InvalidInputException(
            f"jobOutput.s3DataDestination.path {uri!r} is not an S3 folder such as "
            "s3://bucket/exports/."
        )
    return bucket, prefix.strip("/")


def export(job: Job) -> None:
    """Write the dataset's records of the job's ingestion mode as CSV parts."""
    body = job.record(KIND)
    service = job.service
    dataset = find(service, DATASET, body["datasetArn"])
    if dataset is None:
        raise JobFailed(f"The dataset {body['datasetArn']} no longer exists.")
    names = parse_schema(require(service, SCHEMA, dataset["schemaArn"])["schema"]).names
    rows = records(service, dataset, body["ingestionMode"]).reindex(columns=names)
    rows = rows.drop_duplicates().reset_index(drop=True)
    bucket, prefix = output_path(body["jobOutput"]["s3DataDestination"]["path"])
    folder = f"{prefix}/{body['jobName']}".lstrip("/")
    s3 = service.s3()
    for part, start in enumerate(range(0, max(len(rows), 1), ROWS_PER_FILE)):
        chunk = rows.iloc[start : start + ROWS_PER_FILE]
        text = _csv(chunk)
        key = f"{folder}/part-{part:05d}.csv"
        try:
            s3.put_object(Bucket=bucket, Key=key, Body=text.encode("utf-8"))
        except Exception as error:
            raise JobFailed(f"Could not write s3://{bucket}/{key}: {error}") from None


def records(service: Service, dataset: Dataset, mode: str) -> pd.DataFrame:
    """The dataset's rows that arrived the way ``mode`` (BULK, PUT, ALL) names."""
    arn = dataset["datasetArn"]
    if mode == "BULK":
        return read_source(service, arn, "bulk")
    frames = [read_source(service, arn, "put") if mode == "PUT" else read_rows(service, arn)]
    if str(dataset["datasetType"]).upper() == "INTERACTIONS":
        frames.append(read_events(service, dataset["datasetGroupArn"]))
    frames = [f for f in frames if not f.empty]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def _csv(rows: pd.DataFrame) -> str:
    """CSV text with a header, booleans written as Personalize writes them (true/false)."""
    booleans = rows.select_dtypes(include=["bool", "boolean"]).columns
    if len(booleans):
        rows = rows.assign(**{c: rows[c].map({True: "true", False: "false"}) for c in booleans})
    return str(rows.to_csv(index=False, lineterminator="\n"))


HANDLERS: dict[str, Handler] = {
    "CreateDatasetExportJob": create_dataset_export_job,
}
JOBS: dict[tuple[str, str], Work] = {
    (KIND.name, "CREATE"): export,
}
