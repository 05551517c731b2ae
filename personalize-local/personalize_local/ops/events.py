"""personalize-events: PutEvents, kept for the next training, filters and metric attribution.

Each event keeps what the model documents (botocore's personalize-events Event): its
``recommendationId`` (metric attribution), ``impression`` or the impressions its
recommendationId implies (:mod:`personalize_local.impressions`), and ``properties``, a JSON object whose
camelCase keys name fields of the group's Interactions schema (``numberOfRatings`` is
NUMBER_OF_RATINGS) and may not be userId, sessionId, eventType, timestamp, recommendationId or
impression.
"""

from __future__ import annotations

from typing import Any

from personalize_local.avro_schema import DatasetSchema, parse_schema
from personalize_local.errors import InvalidInputException
from personalize_local.event_log import append_events
from personalize_local.impressions import impression_of
from personalize_local.kinds import DATASET, SCHEMA
from personalize_local.ops import Handler
from personalize_local.ops.event_trackers import tracker_for
from personalize_local.ops.metric_attributions import refresh_reports
from personalize_local.ops.put_records import field_name, field_value, parse_properties
from personalize_local.resources import find, listed
from personalize_local.service import Call, Service

RESERVED = frozenset({"userid", "sessionid", "eventtype", "timestamp", "recommendationid",
                      "impression"})  # fmt: skip
"""Keys ``properties`` may not use, in any case (botocore's Event.properties)."""


def put_events(service: Service, call: Call) -> dict[str, Any]:
    p = call.params
    tracker = tracker_for(service, p["trackingId"])
    if tracker is None:
        # PutEvents documents InvalidInputException only (botocore's personalize-events model).
        raise InvalidInputException(f"No event tracker has the trackingId {p['trackingId']}.")
    user = p.get("userId") or p["sessionId"]
    schema = _interactions_schema(service, tracker["datasetGroupArn"])
    rows = [
        {
            "USER_ID": user,
            "ITEM_ID": event.get("itemId"),
            "TIMESTAMP": int(event["sentAt"]),
            "EVENT_TYPE": event["eventType"],
            "EVENT_VALUE": event.get("eventValue"),
            "RECOMMENDATION_ID": event.get("recommendationId"),
            "IMPRESSION": impression_of(event.get("impression"), event.get("recommendationId")),
            "EVENT_ATTRIBUTION_SOURCE": event.get("metricAttribution", {}).get(
                "eventAttributionSource"
            ),
            **_properties(event.get("properties"), schema, f"eventList[{n}]"),
        }
        for n, event in enumerate(p["eventList"], start=1)
    ]
    append_events(service, p["trackingId"], rows)
    refresh_reports(service, tracker["datasetGroupArn"])
    return {}


def _interactions_schema(service: Service, group_arn: str) -> DatasetSchema | None:
    for dataset in listed(service, DATASET, parent=group_arn):
        if str(dataset.get("datasetType", "")).upper() == "INTERACTIONS":
            schema = find(service, SCHEMA, dataset["schemaArn"])
            return parse_schema(schema["schema"]) if schema else None
    return None


def _properties(text: str | None, schema: DatasetSchema | None, where: str) -> dict[str, Any]:
    """An event's properties as interaction fields, checked against the Interactions schema."""
    if not text:
        return {}
    values = parse_properties(text, where)
    fields: dict[str, Any] = {}
    for key, value in values.items():
        if key.lower() in RESERVED:
            raise InvalidInputException(
                f"{where}.properties may not have {key!r}: give it as the event's own member."
            )
        if schema is None:
            fields[field_name(key, None)] = value
            continue
        name = field_name(key, schema)
        field = schema.field(name)
        if field is None:
            raise InvalidInputException(
                f"{where}.properties has {key!r}, which names no field of the Interactions "
                f"schema (fields: {', '.join(schema.names)})."
            )
        fields[name] = field_value(field, value, f"{where}.properties.{key}")
    return fields


HANDLERS: dict[str, Handler] = {
    "PutEvents": put_events,
}
