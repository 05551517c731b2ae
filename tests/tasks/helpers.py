"""Helpers for the tasks' tests: schemas, sample CSVs, and counting retry decisions."""

from __future__ import annotations

import json
from typing import Any

from tasks.retries import retry_on_transient
from tests.emulator.helpers import interactions_csv, put_csv

INTERACTIONS = {
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
