"""What the ``ensure_*`` tasks share: find a resource by listing, describe it, report drift.

AWS is the source of truth: tasks list or describe first and create only what is missing. When a
live resource differs from the configuration, :func:`report_drift` logs the differences and
publishes them as a table artifact, and raises :class:`~tasks.errors.DriftError` when continuing
would use the wrong thing (a different schema, recipe or filter expression).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

from botocore.exceptions import ClientError

from tasks.errors import DriftError, call, from_client_error
from tasks.reporting import artifact_key, in_run, run_logger
from tasks.waiter import spec

Differences = dict[str, tuple[Any, Any]]
"""field -> (configured, live)."""


def find(
    client: Any,
    list_operation: str,
    result_key: str,
    match: Callable[[dict[str, Any]], bool],
    resource: str,
    **params: Any,
) -> dict[str, Any] | None:
    """The first listed summary that ``match`` accepts, walking every page, or None."""
    try:
        for page in client.get_paginator(list_operation).paginate(**params):
            for summary in page.get(result_key, []):
                if match(summary):
                    return dict(summary)
    except ClientError as error:
        raise from_client_error(error, list_operation, resource) from error
    return None


def find_all(
    client: Any, list_operation: str, result_key: str, resource: str, **params: Any
) -> list[dict[str, Any]]:
    """Every listed summary (all pages)."""
    found: list[dict[str, Any]] = []

    def collect(summary: dict[str, Any]) -> bool:
        found.append(summary)
        return False

    find(client, list_operation, result_key, collect, resource, **params)
    return found


def named(name: str) -> Callable[[dict[str, Any]], bool]:
    """A ``match`` for :func:`find`: the summary's ``name`` is ``name``."""
    return lambda summary: summary.get("name") == name


def describe(client: Any, kind: str, arn: str) -> dict[str, Any]:
    """The Describe document of a resource (the call named in ``waiters.json``)."""
    wait = spec(kind)
    return call(client, wait.describe, arn, **{wait.arn_param: arn})[wait.result_key]


def differences(configured: Mapping[str, Any], live: Mapping[str, Any]) -> Differences:
    """Fields whose configured value differs from the live one (only configured fields)."""
    return {
        key: (want, live.get(key))
        for key, want in configured.items()
        if _normalise(want) != _normalise(live.get(key))
    }


def _normalise(value: Any) -> Any:
    if isinstance(value, str):
        stripped = value.strip()
        if stripped.startswith(("{", "[")):
            try:
                return json.loads(stripped)
            except json.JSONDecodeError:
                return stripped
        return stripped
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    if isinstance(value, Mapping):
        return {k: _normalise(v) for k, v in value.items()}
    return value


def report_drift(
    kind: str, name: str, arn: str, found: Differences, *, fatal: bool, fix: str = ""
) -> None:
    """Log and publish how a live resource differs from the configuration; raise if ``fatal``."""
    if not found:
        return
    lines = "; ".join(
        f"{key}: configured {want!r}, live {have!r}" for key, (want, have) in found.items()
    )
    message = f"{kind} {name} ({arn}) differs from the configuration: {lines}."
    if fix:
        message += f" {fix}"
    run_logger().warning(message)
    _publish(kind, name, arn, found, fatal)
    if fatal:
        raise DriftError(message)


def _publish(kind: str, name: str, arn: str, found: Differences, fatal: bool) -> None:
    from prefect.artifacts import create_table_artifact

    if not in_run():
        return
    rows = [
        {
            "field": key,
            "configured": json.dumps(want, default=str),
            "live": json.dumps(have, default=str),
        }
        for key, (want, have) in found.items()
    ]
    key = artifact_key("drift", kind, name)
    verdict = "stopped the run" if fatal else "reported, run continued"
    create_table_artifact(rows, key=key, description=f"Drift of {kind} {name} ({arn}): {verdict}")
