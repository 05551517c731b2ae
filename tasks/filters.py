"""Filters: ``ensure_filter`` creates a recommendation filter once."""

from __future__ import annotations

from tasks.aws import AwsSettings, client
from tasks.errors import call
from tasks.resources import Lookup, ensure
from tasks.retries import personalize_task

FIX = (
    "A filter's expression cannot change: give the new filter another name, or delete the old one."
)


@personalize_task()
def ensure_filter(aws: AwsSettings, dataset_group_arn: str, name: str, expression: str) -> str:
    """The ARN of the ACTIVE filter ``name``; a different expression stops the run."""
    personalize = client(aws, "personalize")

    def create() -> str:
        response = call(
            personalize,
            "create_filter",
            f"filter {name}",
            name=name,
            datasetGroupArn=dataset_group_arn,
            filterExpression=expression,
        )
        return str(response["filterArn"])

    arn, _ = ensure(
        personalize,
        "filter",
        name,
        Lookup("list_filters", "Filters", {"datasetGroupArn": dataset_group_arn}),
        create,
        {"filterExpression": expression},
        fix=FIX,
    )
    return arn
