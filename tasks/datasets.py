"""Datasets: ``ensure_dataset`` creates a group's dataset of one type (one per type per group)."""

from __future__ import annotations

from tasks.aws import AwsSettings, client
from tasks.errors import call
from tasks.resources import Lookup, ensure
from tasks.retries import personalize_task

FIX = "A dataset's schema cannot change: tear the dataset down, or use another dataset group."


@personalize_task()
def ensure_dataset(
    aws: AwsSettings, dataset_group_arn: str, dataset_type: str, name: str, schema_arn: str
) -> str:
    """The ARN of the group's ACTIVE dataset of ``dataset_type`` (interactions, items, users).

    A group holds one dataset per type, so an existing one of that type is the one; a different
    name is reported as drift, a different schema stops the run.
    """
    personalize = client(aws, "personalize")
    kind = dataset_type.upper()

    def create() -> str:
        response = call(
            personalize,
            "create_dataset",
            f"{dataset_type} dataset {name}",
            name=name,
            schemaArn=schema_arn,
            datasetGroupArn=dataset_group_arn,
            datasetType=kind,
        )
        return str(response["datasetArn"])

    arn, _ = ensure(
        personalize,
        "dataset",
        name,
        Lookup("list_datasets", "datasets", {"datasetGroupArn": dataset_group_arn}),
        create,
        {"schemaArn": schema_arn},
        advisory={"name": name},
        match=lambda summary: str(summary.get("datasetType", "")).upper() == kind,
        fix=FIX,
    )
    return arn
