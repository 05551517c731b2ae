"""Prefect concurrency locks per solution and per dataset, so two runs never work on one at once.

1. Each solution has a global concurrency limit named ``personalize-solution-<name>`` with one
   slot, created on first use, and so has each dataset a run imports into
   (``personalize-dataset-<group>-<type>``). A run takes the slots of all the solutions and
   datasets it works on at once (atomically, so two runs with overlapping ones cannot
   deadlock). ``retrain`` holds them from before it plans its holdout until its data is
   accepted or restored: preparing, importing, training, gating, promoting. So a dataset's
   import (and the restore of a stopped run) is one run's at a time, a queued run finds
   the content just imported and uses it, and everything a run decides about resources other
   runs change (the serving version, the holdout, the accepted data) is read after it holds
   the locks. A second run waits.
2. The holder says so: the flow run holding a lock carries the tag ``holds:<lock>`` (shown in
   the UI) and its lease names it, until it lets go. The API does not tell who holds a global
   limit's slot, so a waiting run finds the holder by that tag.
3. A waiting run logs every ``NOTICE_SECONDS`` which locks it waits for, since when, who holds
   them (a run that crashed holding them too, while its lease may still run), and how to free
   them. With ``timeout_seconds`` (the configuration's ``lock_timeout_minutes``) it gives up
   after that long with :class:`LockTimeout`, whose message names the lock, the holder and
   what to do. Waiting is not an error: nothing is logged at ERROR level while a run waits.
4. The lock is held until the block ends, whatever happens under it: a lease renewal that
   fails (the API busy for a while) is logged and the block goes on, and the flows wait for
   all their parallel tasks before leaving it (:mod:`flows.parallel`).

A run killed hard cannot release its slot: the slot's lease expires after ``LEASE_SECONDS``
without renewal, or an operator frees it at once with
``prefect gcl update personalize-solution-<name> --active-slots 0``.
"""

from __future__ import annotations

import contextvars
import re
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import ExitStack, contextmanager, suppress
from datetime import UTC, datetime, timedelta
from uuid import UUID

import httpx
from prefect.client.orchestration import get_client
from prefect.client.schemas.actions import GlobalConcurrencyLimitCreate
from prefect.client.schemas.filters import (
    FlowRunFilter,
    FlowRunFilterState,
    FlowRunFilterStateType,
    FlowRunFilterTags,
)
from prefect.client.schemas.objects import ConcurrencyLeaseHolder, FlowRun, StateType
from prefect.concurrency.sync import concurrency
from prefect.exceptions import ObjectAlreadyExists, ObjectNotFound, PrefectHTTPStatusError
from prefect.runtime import flow_run

from tasks.config import PipelineConfig
from tasks.errors import ExpectedStop
from tasks.reporting import run_logger
from tasks.waiter import format_elapsed

LOCK_PREFIX = "personalize-solution-"
DATASET_LOCK_PREFIX = "personalize-dataset-"
HOLDER_TAG = "holds:"
LEASE_SECONDS = 120.0
NOTICE_SECONDS = 30.0
UNFINISHED = [StateType.RUNNING, StateType.PAUSED, StateType.CANCELLING, StateType.PENDING]


class LockTimeout(ExpectedStop, TimeoutError):
    """Another run held a solution's lock for longer than this run would wait."""


def lock_timeout(config: PipelineConfig) -> float | None:
    """How long a run of this configuration waits for a lock, in seconds (None: no limit)."""
    minutes = config.lock_timeout_minutes
    return None if minutes is None else minutes * 60


def lock_name(solution: str) -> str:
    """The concurrency limit's name for one solution."""
    return LOCK_PREFIX + _safe(solution)


def dataset_lock_name(dataset_group: str, dataset_type: str) -> str:
    """The concurrency limit's name for one dataset of a dataset group."""
    return f"{DATASET_LOCK_PREFIX}{_safe(dataset_group)}-{dataset_type.lower()}"


def _safe(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_-]+", "-", name)


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
    solutions: Iterable[str], timeout_seconds: float | None = None, datasets: Iterable[str] = ()
) -> Iterator[None]:
    """Hold the locks of these solutions, and of these datasets (lock names from
    :func:`dataset_lock_name`), for the duration of the block."""
    names = sorted({lock_name(solution) for solution in solutions} | set(datasets))
    if not names:
        yield
        return
    ensure_locks(names)
    run_id = _flow_run_id()
    with ExitStack() as held:
        _acquire(held, names, timeout_seconds, run_id)
        if run_id is not None:
            _tag_holder(run_id, names, holding=True)
            held.callback(_tag_holder, run_id, names, holding=False)
        yield


def _acquire(
    held: ExitStack, names: list[str], timeout_seconds: float | None, run_id: UUID | None
) -> None:
    """Take the slots of ``names``, logging every ``NOTICE_SECONDS`` while they are taken.

    One acquisition with the whole timeout (Prefect's service logs an ERROR each time an
    acquisition times out, so waiting in short attempts logged one every 30 s); the notices
    come from a thread beside it. A lease renewal that fails is logged and the run goes on
    holding its block: ending the block would let another run in while this run's work (a
    training in flight) goes on.
    """
    start = time.monotonic()
    holder = None if run_id is None else ConcurrencyLeaseHolder(type="flow_run", id=run_id)
    acquired = threading.Event()
    context = contextvars.copy_context()  # the run's logger in the notices' thread
    notices = threading.Thread(
        target=context.run, args=(_notify_while_waiting, names, acquired), daemon=True
    )
    notices.start()
    try:
        held.enter_context(
            concurrency(
                names,
                occupy=1,
                timeout_seconds=timeout_seconds,
                strict=True,
                lease_duration=LEASE_SECONDS,
                holder=holder,
                raise_on_lease_renewal_failure=False,
            )
        )
    except TimeoutError:
        raise LockTimeout(
            f"Gave up after {format_elapsed(time.monotonic() - start)} waiting for "
            f"{', '.join(names)}, held by {holders(names)}. Start this run again once that "
            "run has finished (or give it longer: lock_timeout_minutes in the configuration); "
            f"if that run is gone, free the lock with `prefect gcl update {names[0]} "
            "--active-slots 0`."
        ) from None
    finally:
        acquired.set()
        notices.join()
    waited_seconds = time.monotonic() - start
    if waited_seconds >= NOTICE_SECONDS:
        run_logger().info("Got %s after %s", ", ".join(names), format_elapsed(waited_seconds))


def _notify_while_waiting(names: list[str], acquired: threading.Event) -> None:
    """Every ``NOTICE_SECONDS`` until ``acquired``: which locks, since when, held by whom."""
    start, since = time.monotonic(), datetime.now().astimezone()
    while not acquired.wait(NOTICE_SECONDS):
        try:
            held_by = holders(names)
        except (PrefectHTTPStatusError, httpx.HTTPError) as error:
            held_by = f"a holder it could not look up ({error})"
        run_logger().warning(
            "Waiting for %s since %s (%s), held by %s. A run killed hard holds its lock "
            "until the lease expires (%.0f s); free it at once with "
            "`prefect gcl update <name> --active-slots 0`.",
            ", ".join(names),
            since.strftime("%H:%M:%S"),
            format_elapsed(time.monotonic() - start),
            held_by,
            LEASE_SECONDS,
        )


def holders(names: Iterable[str]) -> str:
    """Who holds these locks, as far as the runs' ``holds:`` tags tell: unfinished runs, and
    runs that crashed holding them within the last lease (their lease may still run)."""
    tags = [HOLDER_TAG + name for name in names]
    with get_client(sync_client=True) as client:
        runs = client.read_flow_runs(
            flow_run_filter=FlowRunFilter(
                tags=FlowRunFilterTags(any_=tags),
                state=FlowRunFilterState(
                    type=FlowRunFilterStateType(any_=[*UNFINISHED, StateType.CRASHED])
                ),
            )
        )
    described = [_describe(run) for run in runs]
    named = [text for text in described if text]
    if not named:
        return "a holder that is not a flow run it can name (or one killed before it let go)"
    return " and ".join(named)


def _describe(run: FlowRun) -> str | None:
    """A holding run as the wait message names it; None for one that crashed a lease ago."""
    started = f", started {run.start_time:%Y-%m-%d %H:%M:%S %Z}" if run.start_time else ""
    state = run.state.name if run.state else "unknown state"
    if run.state is None or run.state.type != StateType.CRASHED:
        return f"flow run '{run.name}' ({run.id}, {state}{started})"
    expires = run.state.timestamp + timedelta(seconds=LEASE_SECONDS)
    if expires < datetime.now(UTC):
        return None
    return (
        f"flow run '{run.name}' ({run.id}, Crashed at {run.state.timestamp:%H:%M:%S %Z}"
        f"{started}; its lease runs out by {expires:%H:%M:%S %Z} at the latest, unless "
        "its automatic rerun takes the lock again)"
    )


def _flow_run_id() -> UUID | None:
    """The current flow run's id, if this runs inside one."""
    ident = flow_run.get_id()
    return UUID(str(ident)) if ident else None


def _tag_holder(run_id: UUID, names: list[str], holding: bool) -> None:
    """Add (or remove) the ``holds:<lock>`` tags on the holding flow run (a failure to tag is
    logged, not raised: the lock itself is held either way)."""
    tags = {HOLDER_TAG + name for name in names}
    try:
        with get_client(sync_client=True) as client:
            current = set(client.read_flow_run(run_id).tags)
            client.update_flow_run(
                run_id, tags=sorted(current | tags if holding else current - tags)
            )
    except (PrefectHTTPStatusError, httpx.HTTPError) as error:
        run_logger().warning(
            "Could not %s the tags %s: %s",
            "add" if holding else "remove",
            ", ".join(sorted(tags)),
            error,
        )
