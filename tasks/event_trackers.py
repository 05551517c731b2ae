"""Event trackers: ``ensure_event_tracker`` creates the group's tracker once.

A dataset group has at most one event tracker, so an existing tracker of another name is the
group's tracker: its name is reported as drift and it is used.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from tasks.aws import AwsSettings, client
from tasks.dataset_groups import group_key
from tasks.desired import Desired
from tasks.errors import translated
from tasks.resources import Wanted, ensure
from tasks.retries import personalize_task
from tasks.waiter import describe

if TYPE_CHECKING:
    from tasks.config import PipelineConfig


def wanted_event_tracker(dataset_group_arn: str, name: str) -> Wanted:
    """The group's event tracker as configured: its name."""
    return Wanted("event-tracker", name, {"name": name}, dataset_group_arn)


@personalize_task()
def ensure_event_tracker(aws: AwsSettings, dataset_group_arn: str, name: str) -> dict[str, str]:
    """``{"eventTrackerArn": ..., "trackingId": ...}`` of the group's ACTIVE tracker."""
    personalize = client(aws, "personalize")
    wanted = wanted_event_tracker(dataset_group_arn, name)

    def create() -> str:
        with translated(wanted.label):
            response = personalize.create_event_tracker(
                name=name, datasetGroupArn=dataset_group_arn
            )
        return str(response["eventTrackerArn"])

    arn, _ = ensure(personalize, wanted, create)
    tracker = describe(personalize, "event-tracker", arn)
    return {"eventTrackerArn": arn, "trackingId": str(tracker["trackingId"])}


def desired_event_tracker(config: PipelineConfig) -> Iterator[Desired]:
    """The configured event tracker (at most one), in the dataset group."""
    if config.event_tracker is None:
        return
    group, name = group_key(config), config.event_tracker.name
    yield Desired(
        "event-tracker",
        name,
        lambda arns: wanted_event_tracker(arns[group], name),
        parent=group,
        ensure=lambda arns: ensure_event_tracker(config.aws, arns[group], name)["eventTrackerArn"],
        slot=("event_tracker", None),
    )
