"""Datasets: ``ensure_dataset`` creates a group's dataset of one type (one per type per group)."""

from __future__ import annotations

from tasks.aws import AwsSettings, client
from tasks.errors import translated
from tasks.resources import Wanted, ensure
from tasks.retries import personalize_task

FIX = "A dataset's schema cannot change: tear the dataset down, or use another dataset group."


def wanted_dataset(
    dataset_group_arn: str, dataset_type: str, name: str, schema_arn: str | None
) -> Wanted:
    """The group's dataset of ``dataset_type`` as configured (its schema, when known)."""
    settings = {"name": name, **({"schemaArn": schema_arn} if schema_arn else {})}
    return Wanted("dataset", name, settings, dataset_group_arn, key=dataset_type.upper())


@personalize_task()
def ensure_dataset(
    aws: AwsSettings, dataset_group_arn: str, dataset_type: str, name: str, schema_arn: str
) -> str:
    """The ARN of the group's ACTIVE dataset of ``dataset_type`` (interactions, items, users).

    A group holds one dataset per type, so an existing one of that type is the one; a different
    name is reported as drift, a different schema stops the run.
    """
    personalize = client(aws, "personalize")
    wanted = wanted_dataset(dataset_group_arn, dataset_type, name, schema_arn)

    def create() -> str:
        with translated(f"{dataset_type} dataset {name}"):
            response = personalize.create_dataset(
                name=name,
                schemaArn=schema_arn,
                datasetGroupArn=dataset_group_arn,
                datasetType=dataset_type.upper(),
            )
        return str(response["datasetArn"])

    arn, _ = ensure(personalize, wanted, create, fix=FIX)
    return arn
