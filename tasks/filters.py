"""Filters: ``ensure_filter`` creates a recommendation filter once."""

from __future__ import annotations

from tasks.aws import AwsSettings, client
from tasks.errors import translated
from tasks.resources import Wanted, ensure
from tasks.retries import personalize_task

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
