"""TagResource, UntagResource, ListTagsForResource, for every kind of resource."""

from __future__ import annotations

from typing import Any

from personalize_local.errors import ResourceNotFoundException
from personalize_local.ops import Handler
from personalize_local.resources import add_tags
from personalize_local.service import Call, Service


def _existing(service: Service, arn: str) -> str:
    if service.store.kind_of(arn) is None:
        raise ResourceNotFoundException(f"Could not find a resource with ARN {arn}.")
    return arn


def tag_resource(service: Service, call: Call) -> dict[str, Any]:
    arn = _existing(service, call.params["resourceArn"])
    add_tags(service, arn, {t["tagKey"]: t["tagValue"] for t in call.params["tags"]})
    return {}


def untag_resource(service: Service, call: Call) -> dict[str, Any]:
    arn = _existing(service, call.params["resourceArn"])
    service.store.remove_tags(arn, list(call.params["tagKeys"]))
    return {}


def list_tags_for_resource(service: Service, call: Call) -> dict[str, Any]:
    arn = _existing(service, call.params["resourceArn"])
    tags = service.store.tags(arn)
    return {"tags": [{"tagKey": key, "tagValue": value} for key, value in sorted(tags.items())]}


HANDLERS: dict[str, Handler] = {
    "TagResource": tag_resource,
    "UntagResource": untag_resource,
    "ListTagsForResource": list_tags_for_resource,
}
