"""Helpers for the tasks' tests: schemas, sample CSVs, a loaded group, counting retries."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import boto3

from personalize_local.testing import training_setup
from personalize_local.testing.helpers import INTERACTIONS_SCHEMA, interactions_csv, put_csv
from tasks.aws import AwsSettings
from tasks.retries import retry_on_transient
from tasks.s3_access import put_bucket_access

INTERACTIONS = json.loads(INTERACTIONS_SCHEMA)


class RetryLog:
    """A ``retry_condition_fn`` that records each decision of the package's policy."""

    def __init__(self) -> None:
        self.decisions: list[bool] = []

    def __call__(self, task: Any, task_run: Any, state: Any) -> bool:
        decision = retry_on_transient(task, task_run, state)
        self.decisions.append(decision)
        return decision


def upload_interactions(s3: Any, bucket: str, key: str = "interactions.csv", **kwargs: Any) -> str:
    """A valid interactions CSV on the loopback S3 (for INTERACTIONS); its URI."""
    return put_csv(s3, bucket, key, interactions_csv(**kwargs))


ROLE = "arn:aws:iam::000000000000:role/PersonalizeS3Access"


@dataclass
class Loaded:
    """A dataset group with planted sample data imported, and the settings that reach it."""

    aws: AwsSettings
    name: str
    bucket: str
    group: str
    interactions: str
    items: str
    items_csv: str


def loaded_group(aws: AwsSettings, name: str) -> Loaded:
    """A group loaded with planted sample data (the emulator tests' helper), with the settings
    that reach it."""
    s3 = boto3.client("s3")
    bucket = f"{name}-data"
    s3.create_bucket(Bucket=bucket)
    put_bucket_access(s3, bucket)
    loaded = training_setup.load_group(boto3.client("personalize"), s3, bucket, name)
    return Loaded(
        aws, name, bucket, loaded.group, loaded.interactions, loaded.items, loaded.items_csv
    )
