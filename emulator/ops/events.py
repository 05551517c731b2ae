"""personalize-events: PutEvents, kept for the next training and for filters."""

from __future__ import annotations

from typing import Any

from emulator.errors import InvalidInputException
from emulator.event_log import append_events
from emulator.ops import Handler
from emulator.ops.event_trackers import tracker_for
from emulator.ops.metric_attributions import refresh_reports
from emulator.service import Call, Service


def put_events(service: Service, call: Call) -> dict[str, Any]:
    p = call.params
    tracker = tracker_for(service, p["trackingId"])
    if tracker is None:
        # PutEvents documents InvalidInputException only (botocore's personalize-events model).
        raise InvalidInputException(f"No event tracker has the trackingId {p['trackingId']}.")
    user = p.get("userId") or p["sessionId"]
    rows = [
        {
            "USER_ID": user,
            "ITEM_ID": event.get("itemId"),
            "TIMESTAMP": int(event["sentAt"]),
            "EVENT_TYPE": event["eventType"],
            "EVENT_VALUE": event.get("eventValue"),
            "RECOMMENDATION_ID": event.get("recommendationId"),
            "EVENT_ATTRIBUTION_SOURCE": event.get("metricAttribution", {}).get(
                "eventAttributionSource"
            ),
        }
        for event in p["eventList"]
    ]
    append_events(service, p["trackingId"], rows)
    refresh_reports(service, tracker["datasetGroupArn"])
    return {}


HANDLERS: dict[str, Handler] = {
    "PutEvents": put_events,
}
