"""Filters: ``ensure_filter`` creates a recommendation filter once."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from tasks.aws import AwsSettings, client
from tasks.dataset_groups import group_key
from tasks.desired import Desired
from tasks.errors import translated
from tasks.resources import Wanted, ensure
from tasks.retries import personalize_task

if TYPE_CHECKING:
    from tasks.config import PipelineConfig

FIX = (
    "A filter's expression cannot change: give the new filter another name, or delete the old one."
)


def wanted_filter(dataset_group_arn: str, name: str, expression: str) -> Wanted:
    """The filter as configured: its expression."""
    return Wanted("filter", name, {"filterExpression": expression}, dataset_group_arn)


@personalize_task()
def ensure_filter(aws: AwsSettings, dataset_group_arn: str, name: str, expression: str) -> str:
    """The ARN of the ACTIVE filter ``name``; a different expression stops the run."""
    personalize = client(aws, "personalize")
    wanted = wanted_filter(dataset_group_arn, name, expression)

    def create() -> str:
        with translated(wanted.label):
            response = personalize.create_filter(
                name=name, datasetGroupArn=dataset_group_arn, filterExpression=expression
            )
        return str(response["filterArn"])

    arn, _ = ensure(personalize, wanted, create, fix=FIX)
    return arn


def desired_filters(config: PipelineConfig) -> Iterator[Desired]:
    """The configured filters, in the dataset group."""
    for item in config.filters:
        yield _desired_filter(config, item.name, item.expression)


def _desired_filter(config: PipelineConfig, name: str, expression: str) -> Desired:
    group = group_key(config)
    return Desired(
        "filter",
        name,
        lambda arns: wanted_filter(arns[group], name, expression),
        parent=group,
        ensure=lambda arns: ensure_filter(config.aws, arns[group], name, expression),
        slot=("filters", name),
    )
