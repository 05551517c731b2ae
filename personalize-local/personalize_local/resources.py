"""What most operations share: describe, list with pagination, updates, deletes with dependency
checks, and the Describe and List handlers of the kinds whose calls are alike."""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Mapping, Sequence
from typing import Any, cast

from personalize_local.errors import (
    InvalidInputException,
    InvalidNextTokenException,
    ResourceInUseException,
    TooManyTagsException,
    not_found,
)
from personalize_local.kinds import KINDS, Kind, busy_status
from personalize_local.records import R, Record
from personalize_local.service import Call, Handler, Service

DEFAULT_PAGE = 100
MAX_TAGS = 50


def require(service: Service, kind: Kind[R], arn: str) -> R:
    """The stored resource of that kind, or the ResourceNotFoundException AWS answers."""
    found = service.store.get_with_kind(arn)
    if found is None or found[0] != kind.name:
        raise not_found(kind.name, arn)
    return cast(R, found[1])


def require_active(service: Service, kind: Kind[R], arn: str) -> R:
    """The resource, which must be ACTIVE to be used by another one."""
    body = require(service, kind, arn)
    if body.get("status", "ACTIVE") != "ACTIVE":
        raise ResourceInUseException(
            f"The {kind.name} {arn} is in {body['status']} status; it must be ACTIVE."
        )
    return body


def find(service: Service, kind: Kind[R], arn: str) -> R | None:
    """The resource stored under ``arn`` (one of ``kind``, by how the ARN was made), or None."""
    return cast(R | None, service.store.get(arn))


def listed(service: Service, kind: Kind[R], parent: str | None = None) -> list[R]:
    """The resources of a kind, oldest first, optionally only those under one parent."""
    return cast(list[R], service.store.list_kind(kind.name, parent))


def page(items: Sequence[Mapping[str, Any]], params: dict[str, Any], key: str) -> dict[str, Any]:
    """One page of a listing, newest first as Personalize lists, with ``nextToken`` if more."""
    items = sorted(items, key=lambda item: item.get("creationDateTime", 0), reverse=True)
    start = 0
    if params.get("nextToken"):
        start = _decode_token(params["nextToken"], key)
    size = params.get("maxResults") or DEFAULT_PAGE
    result: dict[str, Any] = {key: items[start : start + size]}
    if start + size < len(items):
        result["nextToken"] = _encode_token(start + size, key)
    return result


def _encode_token(offset: int, key: str) -> str:
    raw = json.dumps({"offset": offset, "list": key}).encode()
    return base64.urlsafe_b64encode(raw).decode()


def _decode_token(token: str, key: str) -> int:
    try:
        decoded = json.loads(base64.urlsafe_b64decode(token.encode()))
        if decoded["list"] != key or int(decoded["offset"]) < 0:
            raise ValueError(token)
        return int(decoded["offset"])
    except (ValueError, KeyError, TypeError):
        raise InvalidNextTokenException(f"The nextToken {token!r} is not valid.") from None


def delete_when_unused(
    service: Service,
    kind: Kind[Any],
    arn: str,
    first: tuple[Kind[Any], ...] = (),
    blocking: tuple[tuple[Kind[Any], str], ...] = (),
    busy: tuple[tuple[Kind[Any], Record], ...] = (),
) -> None:
    """Start deleting a resource, refusing while what must go first is still there.

    ``first`` names the kinds of children to delete first (a dataset group's solutions);
    ``blocking`` pairs a kind with the member that references this resource, e.g.
    ``((DATASET, "schemaArn"),)`` for a schema; ``busy`` lists (kind, record) of resources
    that block only while in flight (a dataset's import jobs). Every other child goes with the
    resource when its DELETE job ends (a dataset's export jobs, a group's filters).
    """
    body = require(service, kind, arn)
    names = {k.name for k in first}
    remaining = [f"the {k} {a}" for k, a in service.store.children(arn) if k in names]
    if remaining:
        raise ResourceInUseException(
            f"Cannot delete {kind.name} {arn}: it still has {', '.join(remaining)}. "
            "Delete those first."
        )
    for other_kind, member in blocking:
        for doc in service.store.list_kind(other_kind.name):
            if doc.get(member) == arn:
                raise ResourceInUseException(
                    f"Cannot delete {kind.name} {arn}: the {other_kind.name} "
                    f"{doc.get(other_kind.arn_member, doc.get('name'))} uses it."
                )
    for other_kind, other in busy:
        if in_flight(other):
            raise ResourceInUseException(
                f"Cannot delete {kind.name} {arn} while the {other_kind.name} "
                f"{other.get(other_kind.arn_member)} is in {other['status']} status."
            )
    if "status" not in body:
        service.store.delete(arn)
        return
    if in_flight(body):
        raise ResourceInUseException(
            f"Cannot delete {kind.name} {arn} while it is in {body['status']} status."
        )
    service.store.update(arn, {"status": "DELETE PENDING"})
    service.lifecycle.begin(arn, "DELETE")


def of_kind(service: Service, kind: Kind[Any], parent: str) -> tuple[tuple[Kind[Any], Record], ...]:
    """(kind, record) of every resource of a kind under ``parent``, for ``busy``."""
    return tuple((kind, body) for body in listed(service, kind, parent))


def in_flight(body: Record) -> bool:
    """True while a resource is being created or updated (not yet ACTIVE or FAILED)."""
    return busy_status(str(body.get("status", "")))


def generated_handlers(kind: Kind[Any]) -> dict[str, Handler]:
    """The kind's Describe and List handlers that its facts say are generated, by operation
    name (``DescribeFilter``, ``ListFilters``)."""
    pascal = kind.member[0].upper() + kind.member[1:]
    lists = kind.list_key[0].upper() + kind.list_key[1:]
    parent = KINDS[kind.parent] if kind.parent else None

    def describe(service: Service, call: Call) -> dict[str, Any]:
        return {kind.member: require(service, kind, call.params[kind.arn_member])}

    def list_kind(service: Service, call: Call) -> dict[str, Any]:
        under = call.params.get(parent.arn_member) if parent else None
        if under and parent and kind.checks_parent:
            require(service, parent, under)
        return page(listed(service, kind, parent=under), call.params, kind.list_key)

    handlers: dict[str, Handler] = {f"Describe{pascal}": describe, f"List{lists}": list_kind}
    return {name: h for name, h in handlers.items() if name.startswith(tuple(kind.generated))}


def start_create(
    service: Service,
    kind: Kind[R],
    arn: str,
    body: R,
    tags: dict[str, str],
    parent: str | None = None,
) -> None:
    """Store a new resource (in its first PENDING status) with its tags; start its creation."""
    service.store.create(arn, kind.name, body, parent=parent)
    service.store.set_tags(arn, tags)
    service.lifecycle.begin(arn)


def start_update(
    service: Service, kind: Kind[R], arn: str, changes: dict[str, Any], verb: str
) -> R:
    """Store ``changes`` as the resource's update (its kind's ``update_member``,
    ``latestCampaignUpdate`` ...) in CREATE PENDING and start the job of ``verb`` that applies
    them; the resource. Refused while an update is in flight. Updates show CREATE statuses, as
    botocore's CampaignUpdateSummary, SolutionUpdateSummary and RecommenderUpdateSummary
    document."""
    body = require(service, kind, arn)
    if updating(kind, body):
        raise ResourceInUseException(f"The {kind.name} {arn} is already being updated.")
    now = time.time()
    update = {
        **changes,
        "status": "CREATE PENDING",
        "creationDateTime": now,
        "lastUpdatedDateTime": now,
    }
    member = _update_member(kind)
    updated = service.store.update(arn, {member: update})
    service.lifecycle.begin(arn, verb, f"{member}.status")
    return cast(R, updated)


def updating(kind: Kind[R], body: R) -> bool:
    """True while the resource's update (its kind's ``update_member``) is in flight."""
    return in_flight(cast(Record, body.get(_update_member(kind), {})))


def delete_unless_updating(service: Service, kind: Kind[Any], arn: str) -> dict[str, Any]:
    """Start deleting a resource as :func:`delete_when_unused` does, refused while its update is
    in flight (DeleteCampaign, DeleteRecommender); DeleteX's empty answer."""
    if updating(kind, require(service, kind, arn)):
        raise ResourceInUseException(f"Cannot delete the {kind.name} {arn} while it is updating.")
    delete_when_unused(service, kind, arn)
    return {}


def _update_member(kind: Kind[Any]) -> str:
    member = kind.update_member
    if member is None:
        raise ValueError(f"the {kind.name} kind has no updates")
    return member


def create_tags(params: dict[str, Any]) -> dict[str, str]:
    """The checked tags of a Create call (``tags: [{tagKey, tagValue}]``), to store after it."""
    tags = {t["tagKey"]: t["tagValue"] for t in params.get("tags", [])}
    check_tags(tags, len(tags), "the new resource")
    return tags


def add_tags(service: Service, arn: str, tags: dict[str, str]) -> None:
    """Add or overwrite tags, within Personalize's limit of tags per resource."""
    check_tags(tags, len({**service.store.tags(arn), **tags}), arn)
    service.store.set_tags(arn, tags)


def check_tags(tags: dict[str, str], total: int, owner: str) -> None:
    """Refuse reserved ``aws:`` keys and more than MAX_TAGS tags on one resource."""
    reserved = sorted(key for key in tags if key.lower().startswith("aws:"))
    if reserved:
        raise InvalidInputException(
            f"Tag keys starting with 'aws:' are reserved for AWS use: {', '.join(reserved)}."
        )
    if total > MAX_TAGS:
        raise TooManyTagsException(
            f"A resource can have at most {MAX_TAGS} tags; {owner} would have {total}."
        )
