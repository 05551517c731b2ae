"""Per-solution locks: one holder at a time, against the real Prefect API."""

from __future__ import annotations

import logging

import pytest
from prefect.client.orchestration import get_client

from flows.locks import lock_name, solution_locks


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
        pytest.raises(TimeoutError, match="gave up waiting"),
        solution_locks([solution], timeout_seconds=2),
    ):
        pass
    notices = [r.getMessage() for r in caplog.records if r.getMessage().startswith("Waiting for")]
    assert notices, caplog.text
    assert f"Waiting for {lock_name(solution)} since " in notices[0]
    assert "--active-slots 0" in notices[0]
