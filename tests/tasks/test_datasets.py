"""ensure_dataset over HTTP: one dataset per type and group, schema drift stops the run."""

from __future__ import annotations

from typing import Any

import pytest

from tasks.aws import AwsSettings
from tasks.dataset_groups import ensure_dataset_group
from tasks.datasets import ensure_dataset
from tasks.errors import DriftError
from tasks.schemas import ensure_schema
from tests.tasks.helpers import INTERACTIONS


def test_create_rerun_and_drift(aws: AwsSettings, personalize: Any, unique: str) -> None:
    group = ensure_dataset_group(aws, f"g-{unique}")
    schema = ensure_schema(aws, f"s-{unique}", INTERACTIONS)
    arn = ensure_dataset(aws, group, "interactions", f"i-{unique}", schema)
    dataset = personalize.describe_dataset(datasetArn=arn)["dataset"]
    assert dataset["status"] == "ACTIVE" and dataset["schemaArn"] == schema

    # Rerun: the group's interactions dataset is found, even under another name (reported).
    assert ensure_dataset(aws, group, "interactions", f"renamed-{unique}", schema) == arn
    assert len(personalize.list_datasets(datasetGroupArn=group)["datasets"]) == 1

    other = ensure_schema(
        aws, f"s2-{unique}", {**INTERACTIONS, "fields": INTERACTIONS["fields"][:4]}
    )
    with pytest.raises(DriftError, match="schemaArn"):
        ensure_dataset(aws, group, "interactions", f"i-{unique}", other)
