"""Finding a retrain that waits for a person: the flow run paused for approval."""

from __future__ import annotations

import threading
import time

from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import (
    FlowRunFilter,
    FlowRunFilterState,
    FlowRunFilterStateType,
    FlowRunFilterTags,
)
from prefect.client.schemas.objects import FlowRun, StateType


def paused_run(thread: threading.Thread, tag: str | None = None, timeout: float = 240) -> FlowRun:
    """The flow run (started in ``thread``) once it pauses for approval; with ``tag``, only a
    run carrying that tag."""
    paused = FlowRunFilter(
        tags=FlowRunFilterTags(all_=[tag]) if tag else None,
        state=FlowRunFilterState(type=FlowRunFilterStateType(any_=[StateType.PAUSED])),
    )
    deadline = time.monotonic() + timeout
    with get_client(sync_client=True) as client:
        while time.monotonic() < deadline and thread.is_alive():
            runs = client.read_flow_runs(flow_run_filter=paused)
            if runs:
                return runs[0]
            time.sleep(0.5)
    raise AssertionError(f"no run{f' tagged {tag}' if tag else ''} paused for approval")
