"""CreateEventTracker, DescribeEventTracker, ListEventTrackers, DeleteEventTracker.

One tracker per dataset group. Creating it also creates the group's EVENT_INTERACTIONS dataset
(with the Interactions dataset's schema, when there is one), as Personalize does; deleting it
leaves that dataset, to be deleted on its own (DeleteEventTracker's documentation: "Does not
delete the event-interactions dataset from the associated dataset group"). The tracker's
document keeps its ``trackingId`` (what PutEvents receives) and the ARNs of the group's
``interactionsDatasetArn`` and ``eventInteractionsDatasetArn``; ``tracker_for(service,
tracking_id)`` finds it.
"""

from __future__ import annotations

import uuid
from typing import Any

from personalize_local.errors import LimitExceededException
from personalize_local.kinds import DATASET, DATASET_GROUP, EVENT_TRACKER
from personalize_local.ops import Handler
from personalize_local.ops.datasets import dataset_arn, store_dataset
from personalize_local.records import EventTracker
from personalize_local.resources import (
    create_tags,
    delete_when_unused,
    find,
    listed,
    require_active,
)
from personalize_local.service import Call, Service

KIND = EVENT_TRACKER
EVENTS_TYPE = "EVENT_INTERACTIONS"


def create_event_tracker(service: Service, call: Call) -> dict[str, Any]:
    p = call.params
    group = p["datasetGroupArn"]
    tags = create_tags(p)
    require_active(service, DATASET_GROUP, group)
    existing = listed(service, KIND, group)
    if existing:
        raise LimitExceededException(
            f"The dataset group {group} already has the event tracker "
            f"{existing[0]['eventTrackerArn']}; a dataset group can have only one."
        )
    arn = call.arn(f"event-tracker/{p['name']}")
    interactions = dataset_arn(group, "INTERACTIONS")
    events = dataset_arn(group, EVENTS_TYPE)
    body: EventTracker = {
        "name": p["name"],
        "eventTrackerArn": arn,
        "accountId": call.account_id,
        "trackingId": str(uuid.uuid4()),
        "datasetGroupArn": group,
        "status": "CREATE PENDING",
        "interactionsDatasetArn": interactions,
        "eventInteractionsDatasetArn": events,
    }
    service.store.create(arn, KIND.name, body, parent=group)
    service.store.set_tags(arn, tags)
    if find(service, DATASET, events) is None:
        source = find(service, DATASET, interactions)
        schema = source.get("schemaArn") if source else None
        store_dataset(service, group, EVENTS_TYPE, f"{p['name']}-events", schema, {})
    service.lifecycle.begin(arn)
    return {"eventTrackerArn": arn, "trackingId": body["trackingId"]}


def delete_event_tracker(service: Service, call: Call) -> dict[str, Any]:
    delete_when_unused(service, KIND, call.params["eventTrackerArn"])
    return {}


def tracker_for(service: Service, tracking_id: str) -> EventTracker | None:
    """The event tracker document with this trackingId (for PutEvents), or None."""
    for tracker in listed(service, KIND):
        if tracker["trackingId"] == tracking_id:
            return tracker
    return None


HANDLERS: dict[str, Handler] = {
    "CreateEventTracker": create_event_tracker,
    "DeleteEventTracker": delete_event_tracker,
}
