"""The automation ``personalize: silent run crashed`` marks a run whose process died Crashed.

A real flow run in its own process sends Prefect's heartbeats and is killed with ``kill -9``;
the automation, on the real Prefect API, must then set it Crashed (without it the run would
stay Running for ever). The automation's silence is shortened from 90 s to 10 s (the least Prefect accepts) so
that the test waits seconds, not minutes; the trigger is otherwise the one deployed.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator

import pytest
from prefect.automations import Automation
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterTags
from prefect.client.schemas.objects import FlowRun, StateType
from prefect.settings import PREFECT_API_URL

from deployments.crash_recovery import PIPELINE_TAG, silent_run_automation

SILENT = 10
"""Seconds of silence the test's automation allows (Prefect's least for a proactive trigger)."""

SLEEPER = f"""
import time
from prefect import flow, tags

@flow(name="silent-run-probe")
def sleeper() -> None:
    time.sleep(600)

with tags("{PIPELINE_TAG}", "silent-run-probe"):
    sleeper()
"""


@pytest.fixture
def automation(prefect_api: None) -> Iterator[Automation]:
    """The silent-run automation with a short silence, removed afterwards."""
    created = silent_run_automation(SILENT).create()
    yield created
    created.delete()


def probe_runs() -> list[FlowRun]:
    """The probe's flow runs on the API."""
    with get_client(sync_client=True) as client:
        return client.read_flow_runs(
            flow_run_filter=FlowRunFilter(tags=FlowRunFilterTags(all_=["silent-run-probe"]))
        )


def wait_for(predicate: object, timeout: float, what: str) -> FlowRun:
    """The probe run once ``predicate(run)`` holds, polling the API."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        runs = probe_runs()
        if runs and predicate(runs[0]):  # type: ignore[operator]
            return runs[0]
        time.sleep(0.5)
    pytest.fail(f"{what} within {timeout:.0f} s; runs: {[r.state for r in probe_runs()]}")


def test_a_run_whose_process_was_killed_is_marked_crashed(automation: Automation) -> None:
    env = {
        **os.environ,
        "PREFECT_API_URL": str(PREFECT_API_URL.value()),
        "PREFECT_FLOWS_HEARTBEAT_FREQUENCY": "30",
    }
    process = subprocess.Popen([sys.executable, "-c", SLEEPER], env=env)
    try:
        running = wait_for(lambda r: r.state_type == StateType.RUNNING, 60, "no running probe")
        time.sleep(2)  # the first heartbeat leaves as the run starts; let it reach the API
        assert probe_runs()[0].state_type == StateType.RUNNING
        os.kill(process.pid, signal.SIGKILL)
        process.wait()
        crashed = wait_for(
            lambda r: r.state_type == StateType.CRASHED, SILENT + 60, "not marked Crashed"
        )
    finally:
        if process.poll() is None:
            process.kill()
    assert crashed.id == running.id
    assert crashed.state is not None
    assert f"No heartbeat for {SILENT} s" in (crashed.state.message or "")
