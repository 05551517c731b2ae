"""Event trackers: ``ensure_event_tracker`` creates the group's tracker once.

A dataset group has at most one event tracker, so an existing tracker of another name is the
group's tracker: its name is reported as drift and it is used.
"""

from __future__ import annotations

from typing import Any

from tasks.aws import AwsSettings, client
from tasks.errors import call
from tasks.resources import Lookup, describe, ensure
from tasks.retries import personalize_task


@personalize_task()
def ensure_event_tracker(aws: AwsSettings, dataset_group_arn: str, name: str) -> dict[str, str]:
    """``{"eventTrackerArn": ..., "trackingId": ...}`` of the group's ACTIVE tracker."""
    personalize = client(aws, "personalize")

    def create() -> str:
        response = call(
            personalize,
            "create_event_tracker",
            f"event tracker {name}",
            name=name,
            datasetGroupArn=dataset_group_arn,
        )
        return str(response["eventTrackerArn"])

    arn, _ = ensure(
        personalize,
        "event-tracker",
        name,
        Lookup("list_event_trackers", "eventTrackers", {"datasetGroupArn": dataset_group_arn}),
        create,
        {},
        advisory={"name": name},
        match=_any_tracker,
    )
    tracker = describe(personalize, "event-tracker", arn)
    return {"eventTrackerArn": arn, "trackingId": str(tracker["trackingId"])}


def _any_tracker(summary: dict[str, Any]) -> bool:
    return True
