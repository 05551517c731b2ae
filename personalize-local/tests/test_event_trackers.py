"""Event trackers over HTTP: one per group, the EVENT_INTERACTIONS dataset, delete."""

from __future__ import annotations

import uuid
from typing import Any

from personalize_local.testing.helpers import (
    INTERACTIONS_SCHEMA,
    active_dataset,
    active_group,
    error_of,
    wait_gone,
    wait_status,
)


def test_event_tracker_lifecycle(personalize: Any, unique: str) -> None:
    group = active_group(personalize, f"g-{unique}")
    interactions = active_dataset(personalize, group, "Interactions", INTERACTIONS_SCHEMA,
                                  f"i-{unique}")  # fmt: skip
    created = personalize.create_event_tracker(
        name=f"t-{unique}", datasetGroupArn=group, tags=[{"tagKey": "k", "tagValue": "v"}]
    )
    arn = created["eventTrackerArn"]
    assert uuid.UUID(created["trackingId"])
    tracker = wait_status(lambda: personalize.describe_event_tracker(eventTrackerArn=arn),
                          "eventTracker", "ACTIVE")  # fmt: skip
    assert tracker["trackingId"] == created["trackingId"]
    assert tracker["datasetGroupArn"] == group
    assert tracker["accountId"] == "000000000000"
    assert personalize.list_tags_for_resource(resourceArn=arn)["tags"] == [
        {"tagKey": "k", "tagValue": "v"}
    ]

    datasets = personalize.list_datasets(datasetGroupArn=group)["datasets"]
    assert {d["datasetType"] for d in datasets} == {"INTERACTIONS", "EVENT_INTERACTIONS"}
    events = next(d for d in datasets if d["datasetType"] == "EVENT_INTERACTIONS")
    described = personalize.describe_dataset(datasetArn=events["datasetArn"])["dataset"]
    assert described["schemaArn"] == personalize.describe_dataset(
        datasetArn=interactions)["dataset"]["schemaArn"]  # fmt: skip

    code, message = error_of(personalize.create_event_tracker, name=f"t2-{unique}",
                             datasetGroupArn=group)  # fmt: skip
    assert code == "LimitExceededException"
    assert arn in message

    listed = personalize.list_event_trackers(datasetGroupArn=group)["eventTrackers"]
    assert [t["eventTrackerArn"] for t in listed] == [arn]

    personalize.delete_event_tracker(eventTrackerArn=arn)
    wait_gone(lambda: personalize.describe_event_tracker(eventTrackerArn=arn))
    assert personalize.list_event_trackers(datasetGroupArn=group)["eventTrackers"] == []
    # DeleteEventTracker's documentation: "Does not delete the event-interactions dataset from
    # the associated dataset group"; it is deleted on its own.
    kept = personalize.describe_dataset(datasetArn=events["datasetArn"])["dataset"]
    assert kept["status"] == "ACTIVE"
    personalize.delete_dataset(datasetArn=events["datasetArn"])
    wait_gone(lambda: personalize.describe_dataset(datasetArn=events["datasetArn"]))


def test_event_tracker_needs_a_group(personalize: Any, unique: str) -> None:
    missing = f"arn:aws:personalize:us-east-1:000000000000:dataset-group/none-{unique}"
    code, _ = error_of(personalize.create_event_tracker, name=f"t-{unique}",
                       datasetGroupArn=missing)  # fmt: skip
    assert code == "ResourceNotFoundException"


def test_group_with_a_tracker_cannot_be_deleted(personalize: Any, unique: str) -> None:
    group = active_group(personalize, f"g-{unique}")
    arn = personalize.create_event_tracker(name=f"t-{unique}", datasetGroupArn=group)[
        "eventTrackerArn"
    ]
    code, _ = error_of(personalize.delete_dataset_group, datasetGroupArn=group)
    assert code == "ResourceInUseException"
    wait_status(lambda: personalize.describe_event_tracker(eventTrackerArn=arn),
                "eventTracker", "ACTIVE")  # fmt: skip
    personalize.delete_event_tracker(eventTrackerArn=arn)
    wait_gone(lambda: personalize.describe_event_tracker(eventTrackerArn=arn))
    code, _ = error_of(personalize.delete_dataset_group, datasetGroupArn=group)
    assert code == "ResourceInUseException"  # the tracker's dataset is still there
    (events,) = personalize.list_datasets(datasetGroupArn=group)["datasets"]
    personalize.delete_dataset(datasetArn=events["datasetArn"])
    wait_gone(lambda: personalize.describe_dataset(datasetArn=events["datasetArn"]))
    personalize.delete_dataset_group(datasetGroupArn=group)
    wait_gone(lambda: personalize.describe_dataset_group(datasetGroupArn=group))
