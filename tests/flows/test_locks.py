"""Per-solution locks: one holder at a time, against the real Prefect API."""

from __future__ import annotations

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
