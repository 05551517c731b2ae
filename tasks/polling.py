"""When the waiter asks again: a schedule from the job's age, made sparser by its history.

1. Without history, :class:`tasks.kinds.PollSchedule` polls quickly at first, then every ``ratio`` of the
   job's age, so a finished job is noticed within ``max(floor, ratio x duration)``; an hour-long
   job costs about 120 Describe calls that way.
2. :func:`prior_seconds` reads how long jobs like this one took before, from what AWS already
   lists: the same solution's earlier versions (same training mode), the same dataset's earlier
   imports (same import mode), the same solution's earlier batch jobs. The prior is the median
   of ``lastUpdatedDateTime - creationDateTime`` over the newest finished ones, found with the
   kind's List call (``tasks/kinds.json``); its ``wait.history`` says which fields must match. A campaign
   keeps only its latest update, so ``update_campaign`` reads the previous one before starting
   the next (:func:`finished_seconds`) and passes it to the waiter.
3. :class:`PriorSchedule` polls sparsely (``sparse_ratio`` of the age) until ``dense_from``
   (0.45) of the prior has passed, lands a poll exactly there, and from then on polls as the
   default schedule does. A job lasting from half to any multiple of its prior keeps the
   default bound; an hour-long one within 0.5x-2x of its prior costs at most about 55 calls
   (``make bench-polling``). Only a job ending before ``dense_from`` of its prior (a failure at
   the start, say) is noticed later: within ``sparse_ratio`` of its age.
"""

from __future__ import annotations

import logging
import statistics
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from tasks.errors import PersonalizeError, call
from tasks.kinds import History, Kind, PollSchedule
from tasks.reporting import run_logger

log = logging.getLogger("tasks.polling")

HISTORY_SIZE = 5
"""How many of the newest finished jobs the prior is the median of."""
HISTORY_PAGES = 3
"""At most this many List pages are read for a prior (the account-wide batch job list)."""


class Schedule(Protocol):
    """Seconds to the next poll after ``attempt`` polls, the job being ``age`` seconds old."""

    def interval(self, attempt: int, age: float, draw: float) -> float: ...


@dataclass(frozen=True)
class PriorSchedule:
    """``base`` around and after the expected end (``prior`` seconds), sparse before it."""

    base: PollSchedule
    prior: float
    dense_from: float = 0.45
    sparse_ratio: float = 0.75

    @property
    def dense_start(self) -> float:
        """The job's age from which polls follow ``base``."""
        return self.dense_from * self.prior

    def interval(self, attempt: int, age: float, draw: float) -> float:
        """Seconds to the next poll; before :attr:`dense_start`, a sparse step landing on it."""
        start = self.dense_start
        if age >= start:
            return self.base.interval(attempt, age, draw)
        nominal = min(self.base.cap, max(self.base.warmup(attempt), self.sparse_ratio * age))
        sparse = nominal * (1.0 - self.base.jitter * draw)
        # Go straight to the start when another sparse step would leave less than a dense one.
        if age + sparse + self.base.interval(attempt, start, 0.0) >= start:
            return start - age
        return sparse


def prior_seconds(client: Any, kind: Kind, job: dict[str, Any]) -> float | None:
    """The median duration of the newest finished jobs like ``job``, or None without any."""
    durations = [
        _duration(summary)
        for summary in _newest_alike(client, kind, job)
        if summary.get("status") == "ACTIVE"
    ][:HISTORY_SIZE]
    positive = [d for d in durations if d > 0]
    return statistics.median(positive) if positive else None


def finished_seconds(job: dict[str, Any]) -> float | None:
    """How long a finished (ACTIVE) job took, e.g. a campaign's previous update, else None."""
    return _duration(job) if job.get("status") == "ACTIVE" else None


def _newest_alike(client: Any, kind: Kind, job: dict[str, Any]) -> list[dict[str, Any]]:
    """Earlier jobs alike to ``job``, newest first (at most ``HISTORY_PAGES`` pages listed)."""
    history = kind.wait.history
    if history is None or kind.list is None or kind.list_key is None:
        return []
    params: dict[str, Any] = {"maxResults": 100}
    if kind.parent and not history.family:
        params[kind.parent] = job[kind.parent]
    found: list[dict[str, Any]] = []
    for _ in range(HISTORY_PAGES):
        page = call(client, kind.list, f"history of {job[kind.arn]}", **params)
        found += [s for s in page.get(kind.list_key, []) if _alike(kind, history, s, job)]
        if not page.get("nextToken"):
            break
        params["nextToken"] = page["nextToken"]
    return sorted(found, key=lambda s: _timestamp(s.get("creationDateTime")), reverse=True)


def _alike(kind: Kind, history: History, summary: dict[str, Any], job: dict[str, Any]) -> bool:
    if summary.get(kind.arn) == job.get(kind.arn):
        return False
    if any(summary.get(name) != job.get(name) for name in history.alike):
        return False
    if history.family:
        return _parent_arn(summary.get(history.family)) == _parent_arn(job.get(history.family))
    return True


def _parent_arn(arn: Any) -> str | None:
    return str(arn).rsplit("/", 1)[0] if arn else None


def _duration(summary: dict[str, Any]) -> float:
    """Seconds from creation to the last update (when the job ended, for a finished one)."""
    return _timestamp(summary.get("lastUpdatedDateTime")) - _timestamp(
        summary.get("creationDateTime")
    )


def _timestamp(value: Any) -> float:
    return value.timestamp() if isinstance(value, datetime) else 0.0


def schedule_for(
    client: Any, kind: Kind, job: dict[str, Any], base: PollSchedule, prior: float | None = None
) -> Schedule:
    """A :class:`PriorSchedule` when a prior is given or found in the history, else ``base``."""
    if prior is None and kind.wait.history is not None:
        try:
            prior = prior_seconds(client, kind, job)
        except PersonalizeError as error:  # the prior saves calls; its absence costs none
            log.warning("no polling prior (%s); polling on the default schedule", error)
    if not prior:
        return base
    schedule = PriorSchedule(base, prior)
    run_logger().info(
        "Expecting about %.1fs from earlier jobs: polling sparsely for the first %.1fs",
        prior,
        schedule.dense_start,
    )
    return schedule
