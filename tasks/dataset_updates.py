"""Dataset updates: ``update_dataset_schema`` replaces a live dataset's schema and waits.

1. ``live_dataset`` reads a group's dataset of one type: its ARN and its schema's ARN and text.
2. ``update_dataset_schema`` calls UpdateDataset (unless the dataset already uses the schema,
   or an update to it is running: then it attaches) and follows the dataset through
   UPDATE PENDING and UPDATE IN_PROGRESS to ACTIVE (the waiter's ``dataset-update`` kind), then
   checks that the dataset names the new schema.
Which changes AWS allows is decided before, without a call (``tasks.schema_changes``).
"""

from __future__ import annotations

from typing import Any

from tasks.aws import AwsSettings, client
from tasks.errors import call
from tasks.reporting import run_logger
from tasks.resources import find
from tasks.retries import personalize_task
from tasks.waiter import ResourceFailedError, describe, wait_for


@personalize_task()
def live_dataset(aws: AwsSettings, dataset_group_arn: str, dataset_type: str) -> dict[str, Any]:
    """The group's dataset of a type: ``datasetArn``, ``name``, ``schemaArn``, ``schema``, ``status``
    ({} when the group has none)."""
    personalize = client(aws, "personalize")
    kind = dataset_type.upper()
    found = find(
        personalize,
        "list_datasets",
        "datasets",
        lambda summary: str(summary.get("datasetType", "")).upper() == kind,
        f"{dataset_type} dataset of {dataset_group_arn}",
        datasetGroupArn=dataset_group_arn,
    )
    if found is None:
        return {}
    dataset = describe(personalize, "dataset", found["datasetArn"])
    schema = describe(personalize, "schema", dataset["schemaArn"])
    return {
        "datasetArn": dataset["datasetArn"],
        "name": dataset.get("name"),
        "schemaArn": dataset["schemaArn"],
        "schema": schema["schema"],
        "status": dataset.get("status"),
    }


@personalize_task()
def update_dataset_schema(
    aws: AwsSettings, dataset_arn: str, schema_arn: str, deadline_seconds: float | None = None
) -> str:
    """The dataset's ARN once it is ACTIVE with ``schema_arn`` as its schema."""
    personalize = client(aws, "personalize")
    logger = run_logger()
    dataset = describe(personalize, "dataset", dataset_arn)
    update = dataset.get("latestDatasetUpdate") or {}
    running = str(dataset.get("status", "")).startswith("UPDATE") and not str(
        dataset.get("status")
    ).endswith("FAILED")
    if dataset.get("schemaArn") == schema_arn and not running:
        logger.info("The dataset %s already uses the schema %s", dataset_arn, schema_arn)
        return dataset_arn
    if running and update.get("schemaArn") == schema_arn:
        logger.info("Attaching to the update of %s already running", dataset_arn)
    else:
        if running:
            logger.info("Another update of %s is running; waiting for it first", dataset_arn)
            wait_for(personalize, "dataset-update", dataset_arn, deadline_seconds=deadline_seconds)
        call(
            personalize,
            "update_dataset",
            f"dataset {dataset_arn}",
            datasetArn=dataset_arn,
            schemaArn=schema_arn,
        )
        logger.info("Replacing the schema of %s with %s", dataset_arn, schema_arn)
    done = wait_for(personalize, "dataset-update", dataset_arn, deadline_seconds=deadline_seconds)
    if done.resource.get("schemaArn") != schema_arn:
        reason = (done.resource.get("latestDatasetUpdate") or {}).get("failureReason", "")
        raise ResourceFailedError(
            "dataset-update",
            dataset_arn,
            str(done.resource.get("status")),
            reason or f"the dataset still uses {done.resource.get('schemaArn')}",
        )
    return dataset_arn
