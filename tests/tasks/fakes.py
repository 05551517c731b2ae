"""A fake clock and a scripted Personalize client, for timing tests of the waiter."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from botocore.exceptions import ClientError


@dataclass
class FakeClock:
    """Time that moves only when the waiter sleeps."""

    t: float = 0.0
    epoch: datetime = datetime(2026, 1, 1, tzinfo=UTC)
    sleeps: list[float] = field(default_factory=list)

    def monotonic(self) -> float:
        return self.t

    def sleep(self, seconds: float) -> None:
        assert seconds >= 0
        self.sleeps.append(seconds)
        self.t += seconds

    def now(self) -> datetime:
        return self.epoch + timedelta(seconds=self.t)


@dataclass
class ScriptedJob:
    """A solution version that is IN_PROGRESS until ``finish_at`` then ends in ``final``.

    Its ``creationDateTime`` is ``created_at`` seconds on the fake clock (negative: an old job).
    """

    clock: FakeClock
    finish_at: float
    final: str = "ACTIVE"
    reason: str = ""
    created_at: float = 0.0
    describes: list[float] = field(default_factory=list)
    stopped_at: float | None = None
    errors: dict[int, ClientError] = field(default_factory=dict)
    """Describe call number (from 0) -> the error it raises instead of answering."""
    history: list[dict[str, Any]] = field(default_factory=list)
    """Earlier versions of the solution, as ListSolutionVersions lists them."""
    lists: int = 0

    def describe_solution_version(self, solutionVersionArn: str) -> dict[str, Any]:
        self.describes.append(self.clock.t)
        if len(self.describes) - 1 in self.errors:
            raise self.errors[len(self.describes) - 1]
        done = self.clock.t >= self.finish_at
        if self.stopped_at is not None:
            status = "CREATE STOPPED"
        else:
            status = self.final if done else "CREATE IN_PROGRESS"
        body: dict[str, Any] = {
            "solutionVersionArn": solutionVersionArn,
            "solutionArn": solutionVersionArn.rsplit("/", 1)[0],
            "trainingMode": "FULL",
            "status": status,
            "creationDateTime": self.clock.epoch + timedelta(seconds=self.created_at),
        }
        if done and self.reason:
            body["failureReason"] = self.reason
        return {"solutionVersion": body}

    def list_solution_versions(self, solutionArn: str, **page: Any) -> dict[str, Any]:
        self.lists += 1
        return {"solutionVersions": self.history}

    def stop_solution_version_creation(self, solutionVersionArn: str) -> dict[str, Any]:
        self.stopped_at = self.clock.t
        return {}


def earlier_version(
    seconds: float, ended_days_ago: float = 1, status: str = "ACTIVE", mode: str = "FULL"
) -> dict[str, Any]:
    """A ListSolutionVersions summary of a version that took ``seconds``."""
    ended = FakeClock().epoch - timedelta(days=ended_days_ago)
    return {
        "solutionVersionArn": f"arn:aws:personalize:us-east-1:000000000000:solution/s/{ended:%j%H%M%S}",
        "status": status,
        "trainingMode": mode,
        "creationDateTime": ended - timedelta(seconds=seconds),
        "lastUpdatedDateTime": ended,
    }


class Recorder:
    """A waiter reporter that keeps what it was told."""

    def __init__(self) -> None:
        self.updates: list[tuple[str, float, bool]] = []
        self.subjects: list[str] = []

    def update(
        self, spec: Any, arn: str, status: str, age: float, done: bool, subject: str = ""
    ) -> None:
        self.updates.append((status, age, done))
        self.subjects.append(subject)


def client_error(code: str, message: str, status: int = 400, operation: str = "Op") -> ClientError:
    """A botocore ClientError as the service would answer."""
    return ClientError(
        {
            "Error": {"Code": code, "Message": message},
            "ResponseMetadata": {"HTTPStatusCode": status},
        },
        operation,
    )
