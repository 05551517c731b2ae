"""Faults on demand, so the pipeline's tests can meet throttling, failed jobs and jobs that stay
in flight as long as a test needs them to (a crash and rerun while a job runs)."""

from __future__ import annotations

import random
import threading
from collections import defaultdict, deque
from typing import Any

from personalize_local.errors import ThrottlingException


class Faults:
    """A fraction of requests to throttle, failures queued for the next jobs of a kind, and
    holds: the next job of a kind stays IN_PROGRESS up to so many seconds, until released.

    ``throttled`` counts the requests throttled since the fraction was last set, so a test can
    check that its client saw (and logged) every one.
    """

    def __init__(self, throttle: float = 0.0, seed: int | None = None) -> None:
        self.throttle = throttle
        self.throttled = 0
        self._random = random.Random(seed)
        self._failures: dict[str, deque[str]] = defaultdict(deque)
        self._holds: dict[str, deque[float]] = defaultdict(deque)
        self._released = threading.Event()
        self._lock = threading.Lock()

    def configure(self, settings: dict[str, Any]) -> dict[str, Any]:
        """Apply ``{"throttle": 0.3, "fail_next": {"solution-version": "reason"},
        "hold_next": {"solution-version": 60}, "release": true}``; return the state."""
        with self._lock:
            if "throttle" in settings:
                throttle = float(settings["throttle"])
                if not 0.0 <= throttle <= 1.0:
                    raise ValueError("throttle must be a fraction between 0 and 1")
                self.throttle = throttle
                self.throttled = 0
            for kind, reason in settings.get("fail_next", {}).items():
                self._failures[kind].append(str(reason))
            for kind, seconds in settings.get("hold_next", {}).items():
                self._holds[kind].append(float(seconds))
                self._released.clear()
            if settings.get("release") or settings.get("clear"):
                self._holds.clear()
                self._released.set()
            if settings.get("clear"):
                self._failures.clear()
                self.throttle = 0.0
                self.throttled = 0
            return self.state()

    def state(self) -> dict[str, Any]:
        """The faults now armed."""
        return {
            "throttle": self.throttle,
            "throttled": self.throttled,
            "fail_next": {kind: list(q) for kind, q in self._failures.items() if q},
            "hold_next": {kind: list(q) for kind, q in self._holds.items() if q},
        }

    def check_throttle(self) -> None:
        """Raise ThrottlingException for the configured fraction of requests."""
        if self.throttle and self._random.random() < self.throttle:
            with self._lock:
                self.throttled += 1
            raise ThrottlingException("Rate exceeded")

    def take_failure(self, kind: str) -> str | None:
        """The failure reason armed for the next job of this kind, consumed, or None."""
        with self._lock:
            queue = self._failures.get(kind)
            return queue.popleft() if queue else None

    def take_hold(self, kind: str) -> float:
        """The seconds the next job of this kind is to be held, consumed (0 if none armed)."""
        with self._lock:
            queue = self._holds.get(kind)
            return queue.popleft() if queue else 0.0

    def released(self, timeout: float) -> bool:
        """Wait up to ``timeout`` seconds for a release; True once released."""
        return self._released.wait(timeout)
