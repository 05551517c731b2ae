"""Event trackers: ``ensure_event_tracker`` creates the group's tracker once.

A dataset group has at most one event tracker, so an existing tracker of another name is the
group's tracker: its name is reported as drift and it is used.
"""

from __future__ import annotations

from tasks.aws import AwsSettings, client
from tasks.errors import translated
from tasks.resources import Wanted, ensure
from tasks.retries import personalize_task
from tasks.waiter import describe


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
