"""One Prefect concurrency lock per solution, so two runs never train or promote it at once.

Each solution has a global concurrency limit named ``personalize-solution-<name>`` with one
slot, created on first use. A run takes the slots of all the solutions it works on at once
(atomically, so two runs with overlapping solutions cannot deadlock) and holds them from
training to promotion; a second run waits (or gives up after ``timeout_seconds``), saying in
its log which locks it waits for, since when, and how to free them, every ``NOTICE_SECONDS``.

A run killed hard cannot release its slot: the slot's lease expires after ``LEASE_SECONDS``
without renewal, or an operator frees it at once with
``prefect gcl update personalize-solution-<name> --active-slots 0``.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterable, Iterator
from contextlib import ExitStack, contextmanager, suppress
from datetime import datetime

from prefect.client.orchestration import get_client
from prefect.client.schemas.actions import GlobalConcurrencyLimitCreate
from prefect.concurrency.sync import concurrency
from prefect.exceptions import ObjectAlreadyExists, ObjectNotFound

from tasks.reporting import run_logger
from tasks.waiter import format_elapsed

LOCK_PREFIX = "personalize-solution-"
LEASE_SECONDS = 300.0
NOTICE_SECONDS = 30.0


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
    with ExitStack() as held:
        _acquire(held, names, timeout_seconds)
        yield


def _acquire(held: ExitStack, names: list[str], timeout_seconds: float | None) -> None:
    """Take the slots of ``names``, logging every ``NOTICE_SECONDS`` while they are taken."""
    start, since = time.monotonic(), datetime.now().astimezone()
    while True:
        left = None if timeout_seconds is None else timeout_seconds - (time.monotonic() - start)
        attempt = NOTICE_SECONDS if left is None else max(0.0, min(NOTICE_SECONDS, left))
        try:
            held.enter_context(
                concurrency(
                    names,
                    occupy=1,
                    timeout_seconds=attempt,
                    strict=True,
                    lease_duration=LEASE_SECONDS,
                )
            )
        except TimeoutError:
            waited = time.monotonic() - start
            if left is not None and left <= NOTICE_SECONDS:
                raise TimeoutError(
                    f"another run held {', '.join(names)} for {format_elapsed(waited)}; "
                    "gave up waiting"
                ) from None
            run_logger().warning(
                "Waiting for %s since %s (%s): another run of these solutions is training or "
                "promoting. A run killed hard holds its lock until the lease expires (%.0f s); "
                "free it at once with `prefect gcl update <name> --active-slots 0`.",
                ", ".join(names),
                since.strftime("%H:%M:%S"),
                format_elapsed(waited),
                LEASE_SECONDS,
            )
            continue
        waited = time.monotonic() - start
        if waited >= NOTICE_SECONDS:
            run_logger().info("Got %s after %s", ", ".join(names), format_elapsed(waited))
        return
