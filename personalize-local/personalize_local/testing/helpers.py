"""Shared helpers for the emulator's tests: waiting on statuses, schemas, valid import CSVs."""

from __future__ import annotations

import io
import json
import random
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import boto3
import httpx
import pandas as pd
import pytest
from botocore.exceptions import ClientError

from personalize_facts.iam import bucket_statement, with_statement
from personalize_local.dataset_rows import read_rows
from personalize_local.process import LocalService
from personalize_local.service import Service, Settings

INTERACTIONS_SCHEMA = json.dumps(
    {
        "type": "record",
        "name": "Interactions",
        "namespace": "com.amazonaws.personalize.schema",
        "fields": [
            {"name": "USER_ID", "type": "string"},
            {"name": "ITEM_ID", "type": "string"},
            {"name": "TIMESTAMP", "type": "long"},
            {"name": "EVENT_TYPE", "type": "string"},
            {"name": "EVENT_VALUE", "type": ["float", "null"]},
        ],
        "version": "1.0",
    }
)
ITEMS_SCHEMA = json.dumps(
    {
        "type": "record",
        "name": "Items",
        "fields": [
            {"name": "ITEM_ID", "type": "string"},
            {"name": "CATEGORY", "type": "string", "categorical": True},
            {"name": "PRICE", "type": ["null", "double"]},
        ],
    }
)
USERS_SCHEMA = json.dumps(
    {
        "type": "record",
        "name": "Users",
        "fields": [
            {"name": "USER_ID", "type": "string"},
            {"name": "AGE", "type": ["null", "int"]},
        ],
    }
)
ACTIONS_SCHEMA = json.dumps({"type": "record", "name": "Actions", "fields": [
    {"name": "ACTION_ID", "type": "string"},
    {"name": "EXPIRATION_TIMESTAMP", "type": ["null", "long"]},
    {"name": "REPEAT_FREQUENCY", "type": ["null", "long"]},
    {"name": "CHANNEL", "type": "string", "categorical": True},
]})  # fmt: skip
ACTION_INTERACTIONS_SCHEMA = json.dumps({"type": "record", "name": "ActionInteractions", "fields": [
    {"name": "USER_ID", "type": "string"},
    {"name": "ACTION_ID", "type": "string"},
    {"name": "EVENT_TYPE", "type": "string"},
    {"name": "TIMESTAMP", "type": "long"},
]})  # fmt: skip


def clients_with_bucket(service: LocalService, bucket: str) -> Callable[[str], Any]:
    """boto3 clients of a private service by name ("personalize", "s3", ...), after creating
    ``bucket`` with the policy that lets Personalize read and write it."""

    def client(name: str) -> Any:
        variable = "AWS_ENDPOINT_URL_" + name.upper().replace("-", "_")
        make: Callable[..., Any] = boto3.client  # any service's name, not one of its literals
        return make(name, endpoint_url=service.env[variable])

    s3 = client("s3")
    s3.create_bucket(Bucket=bucket)
    grant_bucket(s3, bucket)
    return client


def grant_bucket(
    s3: Any, bucket: str, account: str | None = None, region: str | None = None
) -> None:
    """Give ``bucket`` the guide's policy that lets Personalize read and write it (with the
    confused-deputy conditions for ``account``), as a user must on AWS; it replaces any other."""
    policy = with_statement(None, bucket_statement(bucket, account, region))
    s3.put_bucket_policy(Bucket=bucket, Policy=json.dumps(policy))


def arm_faults(service: LocalService, settings: dict[str, Any]) -> None:
    """Arm faults on a running local service (``{"throttle": 0.2}``, ``{"fail_next": {...}}``,
    ``{"clear": True}``) through its admin endpoint."""
    url = service.env["AWS_ENDPOINT_URL_PERSONALIZE"] + "/_emulator/faults"
    httpx.post(url, json=settings).raise_for_status()


def wait_status(describe: Any, key: str, want: str, timeout: float = 20.0) -> dict[str, Any]:
    """Poll a Describe call until the resource reaches a status (or fail with the last one)."""
    deadline = time.monotonic() + timeout
    while True:
        body = describe()[key]
        if body["status"] == want or time.monotonic() > deadline:
            assert body["status"] == want, body
            return body
        if body["status"].endswith("FAILED") and not want.endswith("FAILED"):
            raise AssertionError(f"expected {want}, got {body}")
        time.sleep(0.02)


def wait_done(describe: Any, key: str, timeout: float = 60.0) -> dict[str, Any]:
    """Poll a Describe call until the resource is ACTIVE or FAILED; return it."""
    deadline = time.monotonic() + timeout
    while True:
        body = describe()[key]
        if body["status"] in ("ACTIVE", "CREATE FAILED") or time.monotonic() > deadline:
            return body
        time.sleep(0.02)


def wait_gone(describe: Any, timeout: float = 20.0) -> None:
    """Poll a Describe call until it answers ResourceNotFoundException."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            describe()
        except ClientError as error:
            assert error.response["Error"]["Code"] == "ResourceNotFoundException"
            return
        time.sleep(0.02)
    raise AssertionError("the resource was not deleted in time")


def error_of(call: Any, *args: Any, **kwargs: Any) -> tuple[str, str]:
    """Call and expect a ClientError; return its (code, message)."""
    with pytest.raises(ClientError) as caught:
        call(*args, **kwargs)
    error = caught.value.response["Error"]
    return error["Code"], error["Message"]


def interactions_csv(
    n_users: int = 40, per_user: int = 30, n_items: int = 50, seed: int = 0, start: int = 0
) -> str:
    """A valid Interactions CSV (header + n_users * per_user rows) for INTERACTIONS_SCHEMA."""
    rng = random.Random(seed)
    lines = ["USER_ID,ITEM_ID,TIMESTAMP,EVENT_TYPE,EVENT_VALUE"]
    t = 1_700_000_000 + start
    for u in range(n_users):
        for _ in range(per_user):
            t += 1
            event = rng.choice(["click", "purchase"])
            value = "" if rng.random() < 0.2 else f"{rng.random():.3f}"
            lines.append(f"u{u + start},i{rng.randrange(n_items)},{t},{event},{value}")
    return "\n".join(lines) + "\n"


def items_csv(n_items: int = 50, categories: tuple[str, ...] = ("shoes", "hats")) -> str:
    """A valid Items CSV for ITEMS_SCHEMA."""
    lines = ["ITEM_ID,CATEGORY,PRICE"]
    for i in range(n_items):
        lines.append(f"i{i},{categories[i % len(categories)]},{i + 0.5}")
    return "\n".join(lines) + "\n"


def put_csv(s3: Any, bucket: str, key: str, text: str) -> str:
    """Upload a CSV to the loopback S3; return its s3:// URI."""
    s3.put_object(Bucket=bucket, Key=key, Body=text.encode())
    return f"s3://{bucket}/{key}"


def active_group(personalize: Any, name: str) -> str:
    """A new dataset group, waited ACTIVE; its ARN."""
    arn = personalize.create_dataset_group(name=name)["datasetGroupArn"]
    wait_status(lambda: personalize.describe_dataset_group(datasetGroupArn=arn),
                "datasetGroup", "ACTIVE")  # fmt: skip
    return str(arn)


def active_dataset(
    personalize: Any, group_arn: str, dataset_type: str, schema: str, name: str
) -> str:
    """A new schema and dataset of a type in the group, waited ACTIVE; the dataset's ARN."""
    schema_arn = personalize.create_schema(name=f"{name}-schema", schema=schema)["schemaArn"]
    arn = personalize.create_dataset(
        name=name, schemaArn=schema_arn, datasetGroupArn=group_arn, datasetType=dataset_type
    )["datasetArn"]
    wait_status(lambda: personalize.describe_dataset(datasetArn=arn), "dataset", "ACTIVE")
    return str(arn)


def run_import(
    personalize: Any, dataset_arn: str, uri: str, name: str, mode: str = "FULL"
) -> dict[str, Any]:
    """Import a CSV into a dataset and wait until the job ends; the job's description."""
    arn = personalize.create_dataset_import_job(
        jobName=name,
        datasetArn=dataset_arn,
        dataSource={"dataLocation": uri},
        roleArn="arn:aws:iam::000000000000:role/PersonalizeS3",
        importMode=mode,
    )["datasetImportJobArn"]
    return wait_done(
        lambda: personalize.describe_dataset_import_job(datasetImportJobArn=arn),
        "datasetImportJob",
    )


def stored_rows(data_dir: Path, dataset_arn: str) -> pd.DataFrame:
    """The rows a service (by its data directory) holds for a dataset, read from its files."""
    return read_rows(Service(Settings(data_dir=data_dir)), dataset_arn)


def run_export(
    personalize: Any, dataset: str, name: str, path: str, **extra: Any
) -> dict[str, Any]:
    """Run a dataset export job to an S3 folder and wait until it ends; its description."""
    arn = personalize.create_dataset_export_job(
        jobName=name,
        datasetArn=dataset,
        roleArn="arn:aws:iam::000000000000:role/PersonalizeS3",
        jobOutput={"s3DataDestination": {"path": path}},
        **extra,
    )["datasetExportJobArn"]
    return wait_done(
        lambda: personalize.describe_dataset_export_job(datasetExportJobArn=arn),
        "datasetExportJob",
    )


def exported_rows(s3: Any, bucket: str, prefix: str) -> pd.DataFrame:
    """Every row of the CSV files under an S3 prefix, as strings."""
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket=bucket, Prefix=prefix)["Contents"]]
    assert keys and all(k.endswith(".csv") for k in keys)
    bodies = [s3.get_object(Bucket=bucket, Key=k)["Body"].read() for k in keys]
    return pd.concat([pd.read_csv(io.BytesIO(b), dtype=str) for b in bodies], ignore_index=True)


DELETION_ROLE = "arn:aws:iam::000000000000:role/PersonalizeS3"


def delete_users(personalize: Any, group: str, name: str, uri: str) -> dict[str, Any]:
    """Run a data deletion job and wait until it ends; its description."""
    arn = personalize.create_data_deletion_job(
        jobName=name, datasetGroupArn=group, dataSource={"dataLocation": uri}, roleArn=DELETION_ROLE
    )["dataDeletionJobArn"]
    deadline = time.monotonic() + 30
    while True:
        job = personalize.describe_data_deletion_job(dataDeletionJobArn=arn)["dataDeletionJob"]
        if job["status"] in ("COMPLETED", "FAILED") or time.monotonic() > deadline:
            return dict(job)
        assert job["status"] in ("PENDING", "IN_PROGRESS"), job
        time.sleep(0.02)
