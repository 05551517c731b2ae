"""Dataset groups: ``ensure_dataset_group`` creates the group once and waits until ACTIVE."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from tasks.aws import AwsSettings, client
from tasks.desired import Desired, Key
from tasks.errors import translated
from tasks.resources import Wanted, ensure
from tasks.retries import personalize_task

if TYPE_CHECKING:
    from tasks.config import PipelineConfig

FIX = "A dataset group's domain and key cannot change: use another name or tear it down."


def wanted_dataset_group(
    name: str, domain: str | None = None, kms_key_arn: str | None = None
) -> Wanted:
    """The dataset group as configured: its domain and KMS key, when set."""
    settings = {k: v for k, v in {"domain": domain, "kmsKeyArn": kms_key_arn}.items() if v}
    return Wanted("dataset-group", name, settings)


@personalize_task()
def ensure_dataset_group(
    aws: AwsSettings, name: str, domain: str | None = None, kms_key_arn: str | None = None
) -> str:
    """The ARN of the ACTIVE dataset group ``name``."""
    personalize = client(aws, "personalize")
    wanted = wanted_dataset_group(name, domain, kms_key_arn)

    def create() -> str:
        with translated(wanted.label):
            response = personalize.create_dataset_group(name=name, **wanted.settings)
        return str(response["datasetGroupArn"])

    arn, _ = ensure(personalize, wanted, create, fix=FIX)
    return arn


def group_key(config: PipelineConfig) -> Key:
    """The configured dataset group in the walk: the parent of everything in it."""
    return ("dataset-group", config.dataset_group.name)


def desired_dataset_group(config: PipelineConfig) -> Iterator[Desired]:
    """The configured dataset group (the walk's root)."""
    group = config.dataset_group
    wanted = wanted_dataset_group(group.name, group.domain, kms_key_arn=group.kms_key_arn)
    yield Desired(
        "dataset-group",
        group.name,
        lambda _: wanted,
        ensure=lambda _: ensure_dataset_group(
            config.aws, group.name, group.domain, kms_key_arn=group.kms_key_arn
        ),
        slot=("dataset_group", None),
    )
