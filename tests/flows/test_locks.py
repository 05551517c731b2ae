"""Per-solution locks: one holder at a time, against the real Prefect API."""

from __future__ import annotations

import logging
import threading
import time
from typing import Any
from uuid import UUID

import pytest
from prefect import flow
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterTags
from prefect.runtime import flow_run

from flows.locks import HOLDER_TAG, LockTimeout, holders, lock_name, solution_locks


def test_lock_name_is_safe() -> None:
    assert lock_name("retail user/pers") == "personalize-solution-retail-user-pers"


def test_a_held_lock_blocks_a_second_holder(prefect_api: None, unique: str) -> None:
    solution = f"locked-{unique}"
    with solution_locks([solution]):
        with get_client(sync_client=True) as client:
            limit = client.read_global_concurrency_limit_by_name(lock_name(solution))
        assert (limit.limit, limit.active_slots) == (1, 1)
        with pytest.raises(TimeoutError), solution_locks([solution, "other"], timeout_seconds=1):
            pass
    with solution_locks([solution], timeout_seconds=5):
        pass  # released on exit, so it can be taken again


def test_no_solutions_needs_no_lock(prefect_api: None) -> None:
    with solution_locks([]):
        pass


def test_a_run_waiting_for_a_lock_says_so(
    prefect_api: None,
    unique: str,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    # Issue 16: a run sat 57 s (4 min 46 s after a kill) on a lock without a log line.
    monkeypatch.setattr("flows.locks.NOTICE_SECONDS", 0.5)
    solution = f"waited-{unique}"
    with (
        solution_locks([solution]),
        caplog.at_level(logging.INFO),
        pytest.raises(LockTimeout, match="Gave up after"),
        solution_locks([solution], timeout_seconds=2),
    ):
        pass
    notices = [r.getMessage() for r in caplog.records if r.getMessage().startswith("Waiting for")]
    assert notices, caplog.text
    assert f"Waiting for {lock_name(solution)} since " in notices[0]
    assert "--active-slots 0" in notices[0]


def holder_flow(solution: str, release: threading.Event, ident: dict[str, UUID]) -> Any:
    """A flow that holds the solution's lock until ``release``; its run id goes to ``ident``."""

    @flow(name="lock-holder")
    def hold() -> None:
        with solution_locks([solution]):
            ident["id"] = UUID(str(flow_run.get_id()))
            release.wait(60)

    return hold


def holding_runs(tag: str) -> list[UUID]:
    """The flow runs tagged as holding this lock."""
    with get_client(sync_client=True) as client:
        runs = client.read_flow_runs(
            flow_run_filter=FlowRunFilter(tags=FlowRunFilterTags(all_=[tag]))
        )
    return [run.id for run in runs]


def test_a_timeout_names_the_lock_its_holder_and_what_to_do(prefect_api: None, unique: str) -> None:
    solution = f"held-{unique}"
    tag = HOLDER_TAG + lock_name(solution)
    release, ident = threading.Event(), dict[str, UUID]()
    holder = threading.Thread(target=holder_flow(solution, release, ident))
    holder.start()
    try:
        deadline = time.monotonic() + 60
        while "id" not in ident and time.monotonic() < deadline:
            time.sleep(0.2)
        assert holding_runs(tag) == [ident["id"]]  # the holder says so on its flow run
        with get_client(sync_client=True) as client:
            name = client.read_flow_run(ident["id"]).name
        with pytest.raises(LockTimeout) as caught, solution_locks([solution], timeout_seconds=1):
            pass
    finally:
        release.set()
        holder.join(60)
    message = str(caught.value)
    assert (
        f"waiting for {lock_name(solution)}, held by flow run '{name}' ({ident['id']}, " in message
    )
    assert "Running, started " in message
    assert "Start this run again once that run has finished" in message
    assert "lock_timeout_minutes" in message
    assert f"prefect gcl update {lock_name(solution)} --active-slots 0" in message
    assert holding_runs(tag) == []  # the tag goes with the lock


def test_waiting_for_a_lock_is_not_an_error(
    prefect_api: None,
    unique: str,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    # Issue 23: Prefect logged `ERROR ... 'ConcurrencySlotAcquisitionWithLeaseService' failed to
    # process item ... TimeoutError` at every notice while a run waited.
    monkeypatch.setattr("flows.locks.NOTICE_SECONDS", 0.5)
    solution = f"patient-{unique}"
    release, ident = threading.Event(), dict[str, UUID]()
    holder = threading.Thread(target=holder_flow(solution, release, ident))
    holder.start()
    deadline = time.monotonic() + 60
    while "id" not in ident and time.monotonic() < deadline:
        time.sleep(0.2)
    threading.Timer(2.5, release.set).start()
    with caplog.at_level(logging.INFO), solution_locks([solution]):
        pass
    holder.join(60)
    waits = [r for r in caplog.records if r.getMessage().startswith("Waiting for")]
    assert len(waits) >= 2, caplog.text
    errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert errors == []


def test_the_wait_names_a_holder_that_crashed(prefect_api: None, unique: str) -> None:
    # Issue 23: the wait said "held by a holder that is not a flow run it can name" although
    # the crashed run holding the lock was known.
    solution = f"crashed-{unique}"
    ident = dict[str, UUID]()

    @flow(name="lock-holder-that-crashes")
    def crash() -> None:
        with solution_locks([solution]):
            ident["id"] = UUID(str(flow_run.get_id()))
            raise SystemExit("killed")  # the engine reports a SystemExit as a crash

    with pytest.raises(SystemExit):
        crash()
    with get_client(sync_client=True) as client:
        run = client.read_flow_run(ident["id"])
        # A run killed hard never removes its tag; this one let go, so put the tag back.
        client.update_flow_run(run.id, tags=[*run.tags, HOLDER_TAG + lock_name(solution)])
    assert run.state is not None and run.state.is_crashed(), run.state
    held_by = holders([lock_name(solution)])
    assert f"flow run '{run.name}' ({run.id}, Crashed at " in held_by
    assert "its lease runs out by" in held_by
