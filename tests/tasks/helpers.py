"""Helpers for the tasks' tests: schemas, sample CSVs, and counting retry decisions."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import boto3

from local.sample_data import generate_interactions, generate_items
from tasks.aws import AwsSettings
from tasks.dataset_groups import ensure_dataset_group
from tasks.dataset_imports import import_dataset
from tasks.datasets import ensure_dataset
from tasks.retries import retry_on_transient
from tasks.schemas import ensure_schema
from tests.emulator.helpers import INTERACTIONS_SCHEMA, interactions_csv, put_csv

INTERACTIONS = json.loads(INTERACTIONS_SCHEMA)


class RetryLog:
    """A ``retry_condition_fn`` that records each decision of the package's policy."""

    def __init__(self) -> None:
        self.decisions: list[bool] = []

    def __call__(self, task: Any, task_run: Any, state: Any) -> bool:
        decision = retry_on_transient(task, task_run, state)
        self.decisions.append(decision)
        return decision


def schema_text(schema: dict[str, Any]) -> str:
    return json.dumps(schema)


def upload_interactions(s3: Any, bucket: str, key: str = "interactions.csv", **kwargs: Any) -> str:
    """A valid interactions CSV on the loopback S3 (for INTERACTIONS); its URI."""
    return put_csv(s3, bucket, key, interactions_csv(**kwargs))


ITEMS = {
    "type": "record",
    "name": "Items",
    "namespace": "com.amazonaws.personalize.schema",
    "fields": [
        {"name": "ITEM_ID", "type": "string"},
        {"name": "CATEGORY", "type": "string", "categorical": True},
    ],
    "version": "1.0",
}
ROLE = "arn:aws:iam::000000000000:role/PersonalizeS3Access"


@dataclass
class Loaded:
    """A dataset group with planted sample data imported, built with the tasks themselves."""

    aws: AwsSettings
    name: str
    bucket: str
    group: str
    interactions: str
    items: str


def loaded_group(aws: AwsSettings, name: str, users: int = 200, items: int = 80) -> Loaded:
    """Create a group, its schemas and datasets, and import planted sample data (via tasks)."""
    s3 = boto3.client("s3")
    bucket = f"{name}-data"
    s3.create_bucket(Bucket=bucket)
    group = ensure_dataset_group(aws, name)
    arns = {}
    frames = {
        "interactions": (INTERACTIONS_4, generate_interactions(users, items, users * 15)),
        "items": (ITEMS, generate_items(items)),
    }
    for dataset_type, (schema, frame) in frames.items():
        schema_arn = ensure_schema(aws, f"{name}-{dataset_type}", schema)
        arns[dataset_type] = ensure_dataset(
            aws, group, dataset_type, f"{name}-{dataset_type}", schema_arn
        )
        uri = put_csv(s3, bucket, f"{dataset_type}.csv", frame.to_csv(index=False))
        import_dataset(aws, arns[dataset_type], uri, ROLE, job_name=f"{name}-{dataset_type}")
    return Loaded(aws, name, bucket, group, arns["interactions"], arns["items"])


INTERACTIONS_4 = {**INTERACTIONS, "fields": INTERACTIONS["fields"][:4]}
