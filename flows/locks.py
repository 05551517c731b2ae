"""One Prefect concurrency lock per solution, so two runs never train or promote it at once.

Each solution has a global concurrency limit named ``personalize-solution-<name>`` with one
slot, created on first use. A run takes the slots of all the solutions it works on at once
(atomically, so two runs with overlapping solutions cannot deadlock) and holds them from
training to promotion; a second run waits (or gives up after ``timeout_seconds``).

A run killed hard cannot release its slot: the slot's lease expires after ``LEASE_SECONDS``
without renewal, or an operator frees it at once with
``prefect gcl update personalize-solution-<name> --active-slots 0``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, suppress

from prefect.client.orchestration import get_client
from prefect.client.schemas.actions import GlobalConcurrencyLimitCreate
from prefect.concurrency.sync import concurrency
from prefect.exceptions import ObjectAlreadyExists, ObjectNotFound

LOCK_PREFIX = "personalize-solution-"
LEASE_SECONDS = 300.0


def lock_name(solution: str) -> str:
    """The concurrency limit's name for one solution."""
    return LOCK_PREFIX + re.sub(r"[^A-Za-z0-9_-]+", "-", solution)


def ensure_locks(names: Iterable[str]) -> None:
    """Create the one-slot limits that do not exist yet (concurrent creators are fine)."""
    with get_client(sync_client=True) as client:
        for name in names:
            try:
                client.read_global_concurrency_limit_by_name(name)
            except ObjectNotFound:
                with suppress(ObjectAlreadyExists):
                    client.create_global_concurrency_limit(
                        GlobalConcurrencyLimitCreate(name=name, limit=1)
                    )


@contextmanager
def solution_locks(
    solutions: Iterable[str], timeout_seconds: float | None = None
) -> Iterator[None]:
    """Hold the locks of these solutions for the duration of the block."""
    names = sorted({lock_name(solution) for solution in solutions})
    if not names:
        yield
        return
    ensure_locks(names)
    with concurrency(
        names, occupy=1, timeout_seconds=timeout_seconds, strict=True, lease_duration=LEASE_SECONDS
    ):
        yield
