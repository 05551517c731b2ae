"""One waiter for every Personalize resource; what to wait for is data (``kinds.json``).

Each kind (:mod:`tasks.kinds`) names its Describe call, where the status is, the states that end
the wait and a deadline. :func:`wait_for` polls on an adaptive schedule (:mod:`tasks.polling`):
quick polls first, then an interval that grows with the job's age (``ratio`` of the elapsed
time), so a finished job is noticed within ``max(floor, ratio * duration)``; where earlier jobs
of the same kind tell how long this one should take, it polls sparsely until near that time.
The age counts from the resource's ``creationDateTime``, so a rerun that attaches to an old job
polls as slowly as the first run would. Intervals are jittered downwards only, which keeps the
bound. A FAILED status raises :class:`ResourceFailedError` with AWS's ``failureReason``; the
deadline raises :class:`WaitTimeoutError` (after StopSolutionVersionCreation for a training).
While waiting, a :class:`Reporter` shows the status and elapsed time (Prefect logs and a progress
artifact by default). Clock, sleep and randomness are injectable for tests.
"""

from __future__ import annotations

import logging
import random
import time
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from tasks.errors import ExpectedStop, PersonalizeError, call
from tasks.kinds import Kind, PollSchedule
from tasks.kinds import kind as kind_named
from tasks.polling import Schedule, schedule_for
from tasks.reporting import artifact_key, in_run, run_logger
from tasks.retries import is_transient

log = logging.getLogger("tasks.waiter")


class ResourceFailedError(ExpectedStop, RuntimeError):
    """A resource ended in a failure state; ``reason`` is AWS's ``failureReason`` (a run logs
    it in one line: the reason is what a person acts on, not the pipeline's stack)."""

    def __init__(self, kind: str, arn: str, status: str, reason: str):
        self.kind, self.arn, self.status, self.reason = kind, arn, status, reason
        super().__init__(f"{kind} {arn} ended {status}: {reason or 'no failureReason given'}")

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.kind, self.arn, self.status, self.reason))


class WaitTimeoutError(ExpectedStop, TimeoutError):
    """The deadline passed with the resource still in ``status`` (logged in one line)."""

    def __init__(self, kind: str, arn: str, status: str, elapsed: float, stopped: bool = False):
        self.kind, self.arn, self.status, self.elapsed, self.stopped = (
            kind,
            arn,
            status,
            elapsed,
            stopped,
        )
        action = " (asked AWS to stop it)" if stopped else ""
        super().__init__(
            f"{kind} {arn} still {status} after {format_elapsed(elapsed)}, past its deadline{action}"
        )

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.kind, self.arn, self.status, self.elapsed, self.stopped))


class Clock(Protocol):
    """Time as the waiter sees it (a fake one in tests)."""

    def monotonic(self) -> float: ...
    def sleep(self, seconds: float) -> None: ...
    def now(self) -> datetime: ...


class SystemClock:
    """The real clock."""

    def monotonic(self) -> float:
        return time.monotonic()

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)

    def now(self) -> datetime:
        return datetime.now().astimezone()


class Reporter(Protocol):
    """Shows a wait's progress."""

    def update(
        self, kind: Kind, arn: str, status: str, age: float, done: bool, subject: str = ""
    ) -> None: ...


@dataclass
class WaitResult:
    """What a finished wait saw: the final description and how many Describe calls it took."""

    resource: dict[str, Any]
    polls: int
    waited: float
    statuses: list[str] = field(default_factory=list)


def wait_for(
    client: Any,
    kind: str,
    arn: str,
    *,
    deadline_seconds: float | None = None,
    schedule: PollSchedule | None = None,
    prior_seconds: float | None = None,
    clock: Clock | None = None,
    draw: Any = random.random,
    reporter: Reporter | None = None,
) -> WaitResult:
    """Poll ``arn`` until a success state (returned) or a failure state (raised).

    The schedule is sparser before the expected end: ``prior_seconds``, or the kind's history.
    """
    described = kind_named(kind)
    wait = described.wait
    base = schedule or wait.schedule
    plan: Schedule = base
    clock = clock or SystemClock()
    reporter = reporter if reporter is not None else PrefectReporter()
    deadline = deadline_seconds if deadline_seconds is not None else wait.deadline_seconds
    start = clock.monotonic()
    polls, age_at_start, status, subject = 0, 0.0, "unknown", ""
    statuses: list[str] = []
    while True:
        polls += 1
        resource = _describe(client, described, arn)  # None: a transient error, poll again
        waited = clock.monotonic() - start
        if resource is not None:
            status = str(lookup(resource, wait.status_path) or "")
            if not statuses:
                age_at_start = _age(resource, wait.started_path, clock)
                subject = stable_subject(arn, resource)
                if status not in (*wait.success, *wait.failure):
                    plan = schedule_for(client, described, resource, base, prior_seconds)
            if not statuses or statuses[-1] != status:
                statuses.append(status)
            done = status in wait.success
            reporter.update(described, arn, status, age_at_start + waited, done, subject)
            if done:
                return WaitResult(resource, polls, waited, statuses)
            if status in wait.failure:
                reason = str(lookup(resource, wait.reason_path) or "")
                raise ResourceFailedError(kind, arn, status, reason)
        if waited >= deadline:
            raise WaitTimeoutError(kind, arn, status, waited, _stop(client, described, arn))
        pause = plan.interval(polls - 1, age_at_start + waited, draw())
        clock.sleep(max(0.0, min(pause, deadline - waited)))


def wait_until_deleted(
    client: Any, kind: str, arn: str, *, clock: Clock | None = None, draw: Any = random.random
) -> int:
    """Poll until Describe answers ResourceNotFoundException; returns the number of polls."""
    described = kind_named(kind)
    wait = described.wait
    clock = clock or SystemClock()
    start, polls = clock.monotonic(), 0
    while True:
        polls += 1
        try:
            resource = _describe(client, described, arn) or {}
        except PersonalizeError as error:
            if error.code == "ResourceNotFoundException":
                return polls
            raise
        status = str(lookup(resource, wait.status_path) or "")
        if status.endswith("FAILED") and status.startswith("DELETE"):
            raise ResourceFailedError(
                kind, arn, status, str(lookup(resource, wait.reason_path) or "")
            )
        waited = clock.monotonic() - start
        if waited >= wait.deadline_seconds:
            raise WaitTimeoutError(kind, arn, status, waited)
        clock.sleep(wait.schedule.interval(polls - 1, waited, draw()))


def describe(client: Any, kind: str, arn: str) -> dict[str, Any]:
    """The Describe document of a resource (the call its kind names in ``kinds.json``)."""
    described = kind_named(kind)
    response = call(client, described.describe, arn, **{described.arn: arn})
    return dict(response[described.result_key])


def _describe(client: Any, kind: Kind, arn: str) -> dict[str, Any] | None:
    """The resource's description, or None after a transient error (throttling, 5xx)."""
    try:
        return describe(client, kind.name, arn)
    except PersonalizeError as error:
        if not is_transient(error):
            raise
        log.warning("polling %s %s: %s; trying again", kind.name, arn, error)
        return None


def lookup(document: dict[str, Any], path: str) -> Any:
    """The value at a dotted path (``latestCampaignUpdate.status``), or None."""
    value: Any = document
    for part in path.split("."):
        if not isinstance(value, dict):
            return None
        value = value.get(part)
    return value


def _age(resource: dict[str, Any], path: str, clock: Clock) -> float:
    """How old the job already is, from its creation time (0 if unknown or in the future)."""
    created = lookup(resource, path)
    if not isinstance(created, datetime):
        return 0.0
    now = clock.now()
    if created.tzinfo is None or now.tzinfo is None:
        created, now = created.replace(tzinfo=None), now.replace(tzinfo=None)
    return max(0.0, (now - created).total_seconds())


def _stop(client: Any, kind: Kind, arn: str) -> bool:
    """Call the kind's stop operation on its deadline (a training); True if asked."""
    if kind.wait.on_deadline != "stop" or not kind.stop:
        return False
    try:
        call(client, kind.stop, arn, **{kind.arn: arn})
    except Exception as error:
        log.warning("could not stop %s %s on its deadline: %s", kind.name, arn, error)
        return False
    return True


def stable_subject(arn: str, resource: dict[str, Any]) -> str:
    """What a wait is about, the same from run to run: the solution of a version, campaign or
    batch job, the dataset of an import, else the resource's own name."""
    for member in ("solutionVersionArn", "solutionArn", "datasetArn"):
        parent = resource.get(member)
        if isinstance(parent, str) and parent != arn:
            kind_and_path = parent.split(":", 5)[-1]
            path = kind_and_path.split("/")[1:]
            return "-".join(path[:1] if member != "datasetArn" else path)
    return arn.rsplit("/", 1)[-1]


def format_elapsed(seconds: float) -> str:
    """``1h02m03s`` / ``2m05s`` / ``4.2s``."""
    if seconds < 60:
        return f"{seconds:.1f}s"
    minutes, secs = divmod(int(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h{minutes:02d}m{secs:02d}s" if hours else f"{minutes}m{secs:02d}s"


class PrefectReporter:
    """Log lines (on each status change, else every ``log_every`` polls) and a progress artifact.

    Inside a Prefect run, logs go to the run's logger and a progress artifact follows the wait,
    keyed by kind and subject (``wait-solution-version-<solution>``), so each run updates the
    same few keys instead of adding new ones; outside a run, only the module logger is used. A
    resource that is already done at the first look is reported as such, with its age, not as
    a wait.
    """

    def __init__(self, log_every: int = 10) -> None:
        self.log_every = log_every
        self._artifact: Any = None
        self._last_status: str | None = None
        self._updates = 0

    def update(
        self, kind: Kind, arn: str, status: str, age: float, done: bool, subject: str = ""
    ) -> None:
        self._updates += 1
        name = arn.rsplit("/", 1)[-1]
        if done and self._updates == 1:
            line = f"{kind.name} {name}: already {status} (started {format_elapsed(age)} ago)"
        else:
            line = f"{kind.name} {name}: {status} after {format_elapsed(age)}"
        if done or status != self._last_status or self._updates % self.log_every == 0:
            run_logger().info(line)
        self._last_status = status
        progress = 100.0 if done else min(95.0, 100.0 * age / kind.wait.typical_seconds)
        self._show_progress(kind, subject or name, progress, line)

    def _show_progress(self, kind: Kind, subject: str, progress: float, line: str) -> None:
        from prefect.artifacts import create_progress_artifact, update_progress_artifact

        if not in_run():
            return
        try:
            if self._artifact is None:
                key = artifact_key("wait", kind.name, subject)
                self._artifact = create_progress_artifact(progress, key=key, description=line)
            else:
                update_progress_artifact(self._artifact, progress, description=line)
        except Exception as error:  # progress is a nicety: never fail a wait over it
            log.debug("progress artifact not updated: %s", error)
