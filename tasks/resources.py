"""Finding, inspecting and ensuring resources of any kind, as :mod:`tasks.kinds` describes them.

1. :func:`find` lists a kind (under its parent) and returns the summary that matches the wanted
   resource: by name, or by the kind's own match field (a dataset's type).
2. :func:`inspect` describes what it found and compares it with the configuration: each
   differing setting is fatal or advisory as the kind's registry entry says. The plan
   (:mod:`tasks.plan`) and :func:`ensure` share this one inspection.
3. :func:`ensure` creates what is missing (AWS is the source of truth), reports drift through
   :func:`report_drift` (log lines and a table artifact), raises
   :class:`~tasks.errors.DriftError` when continuing would use the wrong thing, and waits until
   the resource is ready.
4. :func:`resume_named_job` attaches a rerun to the job already started under its name.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from tasks.aws import AwsSettings, client
from tasks.errors import DriftError, PersonalizeError, translated
from tasks.kinds import Kind, in_flight_statuses
from tasks.kinds import kind as kind_named
from tasks.reporting import artifact_key, in_run, run_logger
from tasks.retries import personalize_task
from tasks.waiter import ResourceFailedError, describe, wait_for

Differences = dict[str, tuple[Any, Any]]
"""field -> (configured, live)."""
Action = Literal["create", "exists", "differs", "drift", "deleting", "update"]
"""What provisioning does with a resource (``update``: a dataset's schema, see dataset_updates)."""


def summaries(client: Any, kind: str, parent: str | None = None) -> Iterator[dict[str, Any]]:
    """Every listed summary of ``kind`` (under ``parent``, its parent's ARN), page by page."""
    described = kind_named(kind)
    if described.list is None or described.list_key is None:
        raise ValueError(f"{kind} cannot be listed (kinds.json names no list call)")
    params = {described.parent: parent} if described.parent and parent else {}
    resource = f"{described.label}s" + (f" of {parent}" if parent else "")
    with translated(resource):
        for page in _pages(client, described.list, params):
            for summary in page.get(described.list_key, []):
                yield dict(summary)


def _pages(client: Any, operation: str, params: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """The List call's pages: botocore's paginator, or ``nextToken`` by hand where botocore
    has none (ListDataDeletionJobs)."""
    if client.can_paginate(operation):
        yield from client.get_paginator(operation).paginate(**params)
        return
    token: str | None = None
    while True:
        page = getattr(client, operation)(**params, **({"nextToken": token} if token else {}))
        yield page
        token = page.get("nextToken")
        if not token:
            return


def find(
    client: Any, kind: str, match: Callable[[dict[str, Any]], bool], parent: str | None = None
) -> dict[str, Any] | None:
    """The first listed summary of ``kind`` that ``match`` accepts, or None."""
    return next((summary for summary in summaries(client, kind, parent) if match(summary)), None)


def find_all(client: Any, kind: str, parent: str | None = None) -> list[dict[str, Any]]:
    """Every listed summary of ``kind`` (all pages)."""
    return list(summaries(client, kind, parent))


@dataclass(frozen=True)
class Wanted:
    """A resource as the configuration describes it.

    ``settings`` are compared with the live resource (its kind says which differences are fatal);
    ``parent`` is the ARN its kind is listed under; ``key`` is the value of the kind's match
    field when that is not the name (a dataset's type).
    """

    kind: str
    name: str
    settings: Mapping[str, Any] = field(default_factory=dict)
    parent: str | None = None
    key: str | None = None

    @property
    def label(self) -> str:
        """``dataset group retail-demo``."""
        return f"{kind_named(self.kind).label} {self.name}"

    def matches(self, summary: Mapping[str, Any]) -> bool:
        """True when a listed summary is this resource."""
        described = kind_named(self.kind)
        if described.match is None:
            return True  # its parent holds at most one of this kind
        want, have = self.key or self.name, str(summary.get(described.match, ""))
        return have.upper() == want.upper() if described.match_any_case else have == want


@dataclass(frozen=True)
class Inspection:
    """What the account holds for a wanted resource, and how it differs from the configuration."""

    wanted: Wanted
    arn: str | None = None
    status: str = ""
    fatal: Differences = field(default_factory=dict)
    advisory: Differences = field(default_factory=dict)

    @property
    def action(self) -> Action:
        """What provisioning does: create it, use it, report and use it, or stop."""
        if self.arn is None:
            return "create"
        if self.status.startswith("DELETE"):
            return "deleting"
        if self.fatal:
            return "drift"
        return "differs" if self.advisory else "exists"

    def detail(self) -> str:
        """The differences in one line (fatal ones first)."""
        return "; ".join(
            f"{key}: configured {want!r}, live {have!r}"
            for key, (want, have) in {**self.fatal, **self.advisory}.items()
        ) or (f"status {self.status}" if self.action == "deleting" else "")


def inspect(client: Any, wanted: Wanted) -> Inspection:
    """Find the wanted resource and compare it with the configuration (reads only)."""
    found = find(client, wanted.kind, wanted.matches, wanted.parent)
    if found is None:
        return Inspection(wanted)
    described = kind_named(wanted.kind)
    arn = str(found[described.arn])
    live = describe(client, wanted.kind, arn)
    fatal, advisory = classify(described, wanted.settings, live)
    return Inspection(wanted, arn, str(live.get("status", "")), fatal, advisory)


def classify(
    kind: Kind, configured: Mapping[str, Any], live: Mapping[str, Any]
) -> tuple[Differences, Differences]:
    """The fatal and the advisory differences, as the kind's registry entry ranks its fields."""
    unranked = set(configured) - set(kind.fatal) - set(kind.advisory)
    if unranked:
        raise ValueError(f"{kind.name}: {sorted(unranked)} are not drift fields in kinds.json")
    found = differences(configured, live)
    return (
        {key: diff for key, diff in found.items() if key in kind.fatal},
        {key: diff for key, diff in found.items() if key in kind.advisory},
    )


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


def report(inspection: Inspection, fix: str = "") -> None:
    """Report an inspected resource's drift; raise :class:`DriftError` when it is fatal or the
    resource is being deleted."""
    wanted, arn = inspection.wanted, str(inspection.arn)
    if inspection.action == "deleting":
        raise DriftError(
            f"{wanted.label} ({arn}) is being deleted ({inspection.status}); "
            "run again once the deletion has finished."
        )
    report_drift(wanted.kind, wanted.name, arn, inspection.advisory, fatal=False)
    report_drift(wanted.kind, wanted.name, arn, inspection.fatal, fatal=True, fix=fix)


def ensure(
    client: Any, wanted: Wanted, create: Callable[[], str], *, fix: str = "", wait: bool = True
) -> tuple[str, bool]:
    """The ARN of the resource (found or created) and whether it was created.

    When found, its drift is reported (fatal drift stops the run, see :func:`report`). When
    missing, ``create`` is called (a race lost to another run that created it first counts as
    found). Then waits until the resource is ready.
    """
    inspection = inspect(client, wanted)
    created = False
    if inspection.arn is None:
        try:
            arn = create()
            created = True
            run_logger().info("Created %s: %s", wanted.label, arn)
        except PersonalizeError as error:
            if error.code != "ResourceAlreadyExistsException":
                raise
            inspection = inspect(client, wanted)
            if inspection.arn is None:
                raise
    if inspection.arn is not None:
        arn = inspection.arn
        run_logger().info("Found %s: %s", wanted.label, arn)
        report(inspection, fix)
    if wait and kind_named(wanted.kind).wait.success:
        wait_for(client, wanted.kind, arn)
    return arn, created


IN_FLIGHT = in_flight_statuses()
"""Statuses of a job still running, of any kind (every form AWS shows or documents, from
``kinds.json``)."""


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
    arn = str(job[kind_named(kind).arn])
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
    job_name: str,
    parent: str,
    deadline_seconds: float | None = None,
) -> str | None:
    """The ARN of the job already called ``job_name`` under ``parent``, once finished (see
    :func:`resume_job`); None when no such job exists, so the caller starts it."""
    job = find(client, kind, Wanted(kind, job_name).matches, parent)
    return resume_job(client, kind, job, deadline_seconds) if job else None


@personalize_task()
def find_arn(aws: AwsSettings, kind: str, name: str, parent: str | None = None) -> str | None:
    """The ARN of the resource of ``kind`` called ``name`` (under ``parent``), or None."""
    found = find(client(aws, "personalize"), kind, Wanted(kind, name).matches, parent)
    return str(found[kind_named(kind).arn]) if found else None


@personalize_task()
def describe_resource(aws: AwsSettings, kind: str, arn: str) -> dict[str, Any]:
    """The Describe document of a resource of ``kind``."""
    return describe(client(aws, "personalize"), kind, arn)


@dataclass(frozen=True)
class PlanRow:
    """One resource and what provisioning would do with it."""

    kind: str
    name: str
    action: Action
    detail: str = ""
    arn: str | None = None

    @classmethod
    def of(cls, inspection: Inspection) -> PlanRow:
        """The row of an inspected resource."""
        wanted = inspection.wanted
        return cls(wanted.kind, wanted.name, inspection.action, inspection.detail(), inspection.arn)
