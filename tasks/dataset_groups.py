"""Dataset groups: ``ensure_dataset_group`` creates the group once and waits until ACTIVE."""

from __future__ import annotations

from tasks.aws import AwsSettings, client
from tasks.errors import call
from tasks.resources import Lookup, ensure
from tasks.retries import personalize_task

FIX = "A dataset group's domain and key cannot change: use another name or tear it down."


@personalize_task()
def ensure_dataset_group(
    aws: AwsSettings, name: str, domain: str | None = None, kms_key_arn: str | None = None
) -> str:
    """The ARN of the ACTIVE dataset group ``name``."""
    personalize = client(aws, "personalize")
    settings = {k: v for k, v in {"domain": domain, "kmsKeyArn": kms_key_arn}.items() if v}

    def create() -> str:
        response = call(
            personalize, "create_dataset_group", f"dataset group {name}", name=name, **settings
        )
        return str(response["datasetGroupArn"])

    arn, _ = ensure(
        personalize,
        "dataset-group",
        name,
        Lookup("list_dataset_groups", "datasetGroups"),
        create,
        settings,
        fix=FIX,
    )
    return arn
