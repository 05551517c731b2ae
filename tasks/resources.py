"""What the ``ensure_*`` tasks share: find a resource by listing, describe it, report drift.

AWS is the source of truth: tasks list or describe first and create only what is missing. When a
live resource differs from the configuration, :func:`report_drift` logs the differences and
publishes them as a table artifact, and raises :class:`~tasks.errors.DriftError` when continuing
would use the wrong thing (a different schema, recipe or filter expression).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from botocore.exceptions import ClientError

from tasks.errors import DriftError, PersonalizeError, from_client_error
from tasks.reporting import artifact_key, in_run, run_logger
from tasks.waiter import ResourceFailedError, describe, spec, wait_for

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


def differences(configured: Mapping[str, Any], live: Mapping[str, Any]) -> Differences:
    """Fields whose configured value differs from the live one (only configured fields)."""
    return {
        key: (want, live.get(key))
        for key, want in configured.items()
        if not _matches(want, live.get(key))
    }


def _matches(want: Any, have: Any) -> bool:
    """Configured ``want`` equals live ``have``; a mapping need only match on its own keys."""
    if isinstance(want, Mapping):
        have = _normalise(have)
        return isinstance(have, Mapping) and all(_matches(v, have.get(k)) for k, v in want.items())
    return bool(_normalise(want) == _normalise(have))


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


IN_FLIGHT = (
    "CREATE PENDING",
    "CREATE IN_PROGRESS",
    "UPDATE PENDING",
    "UPDATE IN_PROGRESS",
    "PENDING",
    "IN PROGRESS",
    "IN_PROGRESS",
)
"""Statuses of a job still running, in every form AWS shows or documents: the real service
shows CREATE PENDING / CREATE IN_PROGRESS for batch jobs and campaign updates, while botocore's
model documents PENDING / IN PROGRESS for batch jobs (and IN_PROGRESS for data deletion jobs);
dataset updates show UPDATE PENDING / UPDATE IN_PROGRESS."""


def in_flight(summary: Mapping[str, Any]) -> bool:
    """True when a listed job is still pending or running."""
    return summary.get("status") in IN_FLIGHT


def resume_job(
    client: Any, kind: str, job: Mapping[str, Any], deadline_seconds: float | None = None
) -> str:
    """A job found under the name we would give ours: return it once finished.

    ACTIVE: returned; in flight: attached to and waited for; failed: raised, since a job
    name cannot be reused (the caller runs again under a new name).
    """
    arn = str(job[arn_member(kind)])
    if in_flight(job):
        run_logger().info("Attaching to the %s already running: %s", kind, arn)
        wait_for(client, kind, arn, deadline_seconds=deadline_seconds)
    elif job.get("status") != "ACTIVE":
        raise ResourceFailedError(
            kind,
            arn,
            str(job.get("status")),
            f"{job.get('failureReason') or 'no reason given'} "
            "(a job name cannot be reused: run again under a new name)",
        )
    else:
        run_logger().info("The %s %s already finished", kind, arn)
    return arn


def resume_named_job(
    client: Any,
    kind: str,
    list_operation: str,
    result_key: str,
    job_name: str,
    deadline_seconds: float | None = None,
    **params: Any,
) -> str | None:
    """The ARN of the job already called ``job_name``, once finished (see ``resume_job``).

    None when no such job exists, so the caller starts it.
    """
    job = find(
        client,
        list_operation,
        result_key,
        lambda summary: summary.get("jobName") == job_name,
        f"{kind} {job_name}",
        **params,
    )
    return resume_job(client, kind, job, deadline_seconds) if job else None


@dataclass(frozen=True)
class Lookup:
    """How to find an existing resource: a List call, its result key and parameters."""

    operation: str
    result_key: str
    params: Mapping[str, Any] = field(default_factory=dict)


def ensure(
    client: Any,
    kind: str,
    name: str,
    lookup: Lookup,
    create: Callable[[], str],
    configured: Mapping[str, Any],
    *,
    advisory: Mapping[str, Any] | None = None,
    match: Callable[[dict[str, Any]], bool] | None = None,
    fix: str = "",
    wait: bool = True,
) -> tuple[str, bool]:
    """The ARN of the resource (found or created) and whether it was created.

    Lists first (``match``, or the summary's ``name``); when found, describes it and reports
    every field that differs: ``configured`` fields stop the run (:class:`DriftError`),
    ``advisory`` ones are only reported. When missing, calls ``create`` (a race lost to another
    run that created it first counts as found). Then waits until the resource is ACTIVE.
    """
    label = f"{kind} {name}"
    select = match or named(name)
    found = find(client, lookup.operation, lookup.result_key, select, label, **lookup.params)
    created = False
    if found is None:
        try:
            arn = create()
            created = True
            run_logger().info("Created %s: %s", label, arn)
        except PersonalizeError as error:
            if error.code != "ResourceAlreadyExistsException":
                raise
            found = find(
                client, lookup.operation, lookup.result_key, select, label, **lookup.params
            )
            if found is None:
                raise
    if found is not None:
        arn = found[arn_member(kind)]
        run_logger().info("Found %s: %s", label, arn)
        live = describe(client, kind, arn)
        if str(live.get("status", "")).startswith("DELETE"):
            raise DriftError(
                f"{label} ({arn}) is being deleted ({live['status']}); "
                "run again once the deletion has finished."
            )
        report_drift(kind, name, arn, differences(advisory or {}, live), fatal=False)
        report_drift(kind, name, arn, differences(configured, live), fatal=True, fix=fix)
    if wait and spec(kind).success:
        wait_for(client, kind, arn)
    return arn, created


def arn_member(kind: str) -> str:
    """The ARN member of a resource kind's document, e.g. ``datasetGroupArn``."""
    head, *rest = kind.split("-")
    return head + "".join(part.title() for part in rest) + "Arn"
