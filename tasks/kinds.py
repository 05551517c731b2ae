"""What the pipeline knows about each kind of Personalize resource, read from ``kinds.json``.

1. Each kind names its operations (Describe, List, Delete, Stop), the ARN member of its
   documents, where Describe and List put their results, and the List call's parent parameter.
2. It names the summary field that identifies a configured resource (``name`` unless the parent
   holds one of a kind: a dataset per type, one event tracker per group).
3. It lists the settings compared with the live resource: fatal ones stop the run, advisory ones
   are reported (:mod:`tasks.resources` reads them).
4. Its ``wait`` section says how :mod:`tasks.waiter` waits for it: the status path, the states
   that end a wait, the deadline and the poll schedule, and (``history``) which earlier jobs of
   the kind tell how long the next one should take.

``ensure``, the plan, teardown and the waiter all read it from here; in which order the kinds
are provisioned and torn down is :mod:`tasks.walk`'s.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any, Literal

from personalize_facts.durations import TYPICAL_SECONDS

KINDS_PATH = Path(__file__).with_name("kinds.json")


@dataclass(frozen=True)
class PollSchedule:
    """Poll intervals: ``first`` growing by ``growth`` up to ``floor``, then ``ratio`` x age."""

    first: float = 0.1
    growth: float = 1.6
    floor: float = 2.0
    ratio: float = 0.05
    cap: float = 300.0
    jitter: float = 0.2

    def interval(self, attempt: int, age: float, draw: float) -> float:
        """Seconds to the next poll after ``attempt`` polls, the job being ``age`` seconds old.

        ``draw`` in [0, 1) shortens the interval by up to ``jitter`` (never lengthens it).
        """
        nominal = min(self.cap, max(self.warmup(attempt), self.ratio * age))
        return nominal * (1.0 - self.jitter * draw)

    def warmup(self, attempt: int) -> float:
        """The quick first intervals: ``first`` growing by ``growth`` up to ``floor``."""
        return min(self.first * self.growth**attempt, self.floor)


@dataclass(frozen=True)
class History:
    """Which earlier jobs of a kind count as this one's history (a kind's ``wait.history``).

    They are listed with the kind's List call under the same parent as the job (account-wide
    when ``family`` is given), and must match it in every ``alike`` field (``trainingMode``: an
    UPDATE is no prior for a FULL) and in the parent ARN of ``family`` (a batch job's solution,
    read from its solution version's ARN).
    """

    alike: tuple[str, ...] = ()
    family: str | None = None


@dataclass(frozen=True)
class Wait:
    """How to wait for a kind: where its status is, the states that end a wait, the deadline."""

    success: tuple[str, ...]
    failure: tuple[str, ...]
    deadline_seconds: float
    typical_seconds: float
    """How long the kind typically takes (``personalize_facts.durations``): scales progress."""
    status_path: str = "status"
    reason_path: str = "failureReason"
    started_path: str = "creationDateTime"
    on_deadline: Literal["stop"] | None = None
    schedule: PollSchedule = field(default_factory=PollSchedule)
    history: History | None = None
    """Which earlier jobs of the kind tell how long this one should take (tasks/polling.py)."""
    in_flight: tuple[str, ...] = ()
    """Statuses of a job still running (a rerun attaches to it), in every form AWS shows or
    documents."""


@dataclass(frozen=True)
class Kind:
    """One kind of Personalize resource: its operations, members and drift fields."""

    name: str
    describe: str
    arn: str
    result_key: str
    wait: Wait
    list: str | None = None
    list_key: str | None = None
    parent: str | None = None
    match: str | None = "name"
    match_any_case: bool = False
    delete: str | None = None
    stop: str | None = None
    fatal: tuple[str, ...] = ()
    advisory: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        """The kind in prose: ``dataset group``."""
        return self.name.replace("-", " ")


@cache
def kinds() -> dict[str, Kind]:
    """Every kind, read from ``kinds.json``."""
    raw: dict[str, Any] = json.loads(KINDS_PATH.read_text())
    schedule = raw.get("_schedule", {})
    return {name: _kind(name, fields, schedule) for name, fields in raw.items() if name[0] != "_"}


def kind(name: str) -> Kind:
    """The :class:`Kind` called ``name``, or a KeyError naming the known kinds."""
    try:
        return kinds()[name]
    except KeyError:
        raise KeyError(f"no kind {name!r}; known: {', '.join(sorted(kinds()))}") from None


def in_flight_statuses() -> tuple[str, ...]:
    """The statuses of a job still running, of any kind (sorted, no duplicates)."""
    return tuple(sorted({status for k in kinds().values() for status in k.wait.in_flight}))


def _kind(name: str, fields: dict[str, Any], default_schedule: dict[str, float]) -> Kind:
    values = dict(fields)
    drift = values.pop("drift", {})
    wait: dict[str, Any] = {
        k: tuple(v) if isinstance(v, list) else v for k, v in values.pop("wait").items()
    }
    wait["typical_seconds"] = TYPICAL_SECONDS[name]
    wait["schedule"] = PollSchedule(**{**default_schedule, **wait.get("schedule", {})})
    if "history" in wait:
        history = wait["history"]
        wait["history"] = History(tuple(history.get("alike", ())), history.get("family"))
    return Kind(
        name=name,
        wait=Wait(**wait),
        fatal=tuple(drift.get("fatal", ())),
        advisory=tuple(drift.get("advisory", ())),
        **values,
    )
