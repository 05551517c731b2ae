"""What most operations share: describe, list with pagination, delete with dependency checks."""

from __future__ import annotations

import base64
import json
from typing import Any

from emulator.errors import InvalidNextTokenException, ResourceInUseException, not_found
from emulator.service import Service

DEFAULT_PAGE = 100


def require(service: Service, kind: str, arn: str) -> dict[str, Any]:
    """The stored resource of that kind, or the ResourceNotFoundException AWS answers."""
    body = service.store.get(arn)
    if body is None or service.store.kind_of(arn) != kind:
        raise not_found(kind, arn)
    return body


def require_active(service: Service, kind: str, arn: str) -> dict[str, Any]:
    """The resource, which must be ACTIVE to be used by another one."""
    body = require(service, kind, arn)
    if body.get("status", "ACTIVE") != "ACTIVE":
        raise ResourceInUseException(
            f"The {kind} {arn} is in {body['status']} status; it must be ACTIVE."
        )
    return body


def page(items: list[dict[str, Any]], params: dict[str, Any], key: str) -> dict[str, Any]:
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
    kind: str,
    arn: str,
    blocking: dict[str, str] | None = None,
    cascade: tuple[str, ...] = (),
) -> None:
    """Start deleting a resource, refusing while resources of the blocking kinds reference it.

    ``blocking`` maps a kind to the member that references this resource, e.g.
    ``{"dataset": "schemaArn"}`` for a schema. Children (resources whose parent is this one)
    block, except those of the ``cascade`` kinds, which the delete job removes with it.
    """
    body = require(service, kind, arn)
    for child_kind, child_arn in service.store.children(arn):
        if child_kind in cascade:
            continue
        raise ResourceInUseException(
            f"Cannot delete {kind} {arn}: it still has the {child_kind} {child_arn}. "
            f"Delete that first."
        )
    for other_kind, member in (blocking or {}).items():
        for other in service.store.list_kind(other_kind):
            if other.get(member) == arn:
                raise ResourceInUseException(
                    f"Cannot delete {kind} {arn}: the {other_kind} "
                    f"{other.get(arn_member(other_kind), other.get('name'))} uses it."
                )
    if "status" not in body:
        service.store.delete(arn)
        return
    if body["status"].endswith(("PENDING", "IN_PROGRESS")) and not body["status"].startswith(
        "DELETE"
    ):
        raise ResourceInUseException(
            f"Cannot delete {kind} {arn} while it is in {body['status']} status."
        )
    service.store.update(arn, {"status": "DELETE PENDING"})
    service.lifecycle.begin(arn, "DELETE")


def arn_member(kind: str) -> str:
    """The ARN member of a resource kind's document, e.g. ``datasetGroupArn``."""
    head, *rest = kind.split("-")
    return head + "".join(part.title() for part in rest) + "Arn"
