"""Runs survive their worker and their own crash, on the local stack (issue 29, 1).

1. ``kill -9`` of the worker while a retrain trains: the run's process lives on past its closed
   console pipe, its logs still reach the API, and it ends Completed with one training.
2. A retrain whose own process is terminated while it trains ends Crashed; the automation
   ``personalize: rerun crashed retrain`` schedules it again, a worker reruns it (attempt 2),
   it attaches to the training in flight and ends Completed, with one training.
"""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any
from uuid import UUID

import boto3
import httpx
import pytest
import s3fs
from prefect.client.orchestration import PrefectClient
from prefect.client.schemas.filters import LogFilter, LogFilterFlowRunId
from prefect.client.schemas.objects import FlowRun, Log

from deployments.crash_recovery import RERUN_AUTOMATION
from local.stack import LocalStack
from tests.e2e.conftest import assert_completed, on_api, start_run, wait_for_final
from tests.pipelines import Pipeline, make_pipeline

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("on_stack")]


@pytest.fixture
def stack_clients(on_stack: LocalStack, monkeypatch: pytest.MonkeyPatch) -> Iterator[LocalStack]:
    """This process's boto3 and s3fs reach the stack's local service and S3."""
    for key, value in on_stack.client_env().items():
        monkeypatch.setenv(key, value)
    s3fs.S3FileSystem.clear_instance_cache()
    yield on_stack
    s3fs.S3FileSystem.clear_instance_cache()


def faults(stack: LocalStack, settings: dict[str, Any]) -> None:
    """Arm faults on the stack's local service."""
    url = stack.client_env()["AWS_ENDPOINT_URL_PERSONALIZE"] + "/_emulator/faults"
    httpx.post(url, json=settings).raise_for_status()


def versions(pipeline: Pipeline) -> dict[str, list[dict[str, Any]]]:
    """Each configured solution's versions, newest first."""
    personalize = boto3.client("personalize")
    names = {s.name for s in pipeline.config.solutions}
    return {
        s["name"]: personalize.list_solution_versions(solutionArn=s["solutionArn"])[
            "solutionVersions"
        ]
        for s in personalize.list_solutions()["solutions"]
        if s["name"] in names
    }


def wait_until_training(pipeline: Pipeline, timeout: float = 240) -> None:
    """Until one of the pipeline's solutions has a version in training."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = [v["status"] for listed in versions(pipeline).values() for v in listed]
        if "CREATE IN_PROGRESS" in found:
            return
        time.sleep(0.2)
    raise AssertionError(f"no training started in {timeout} s: {versions(pipeline)}")


def one_training_each(pipeline: Pipeline) -> None:
    """Every solution trained once, and that version is ACTIVE."""
    found = versions(pipeline)
    assert sorted(found) == sorted(s.name for s in pipeline.config.solutions)
    for name, listed in found.items():
        assert [v["status"] for v in listed] == ["ACTIVE"], (name, listed)


def run_process(run_id: UUID) -> int:
    """The PID of the process running this flow run (the worker sets its id in its env)."""
    wanted = f"PREFECT__FLOW_RUN_ID={run_id}".encode()
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and wanted in (entry / "environ").read_bytes().split(b"\0"):
                return int(entry.name)
        except OSError:
            continue
    raise AssertionError(f"no process runs flow run {run_id}")


def wait_past_crash(run_id: UUID, timeout: float) -> FlowRun:
    """The run's state once it is final and not Crashed, or whatever it is at the deadline.

    ``Crashed`` is final, but the rerun automation sets it back to Scheduled a moment later (how
    long a moment depends on the machine's load): the run's outcome is what comes after.
    """
    deadline = time.monotonic() + timeout
    while True:
        run = wait_for_final(run_id, timeout=max(deadline - time.monotonic(), 1.0))
        assert run.state is not None
        if run.state.name != "Crashed" or time.monotonic() >= deadline:
            return run
        time.sleep(1.0)


def restart_worker(stack: LocalStack) -> None:
    """Bring the worker back, as ``make up`` does."""
    worker = stack.worker()
    worker.start()
    worker.wait_until(stack._worker_online, 120, "polling the work pool")


def run_logs(run_id: UUID) -> list[Log]:
    """The run's logs, as the API has them (every page: a retrain logs more than one)."""
    only_this_run = LogFilter(flow_run_id=LogFilterFlowRunId(any_=[run_id]))
    found: list[Log] = []
    while page := on_api(partial(_read_logs, only_this_run, offset=len(found))):
        found += page
    return found


def logs(run_id: UUID) -> list[str]:
    """The run's log messages."""
    return [log.message for log in run_logs(run_id)]


async def _read_logs(only: LogFilter, client: PrefectClient, offset: int) -> list[Log]:
    """One page of logs."""
    return await client.read_logs(only, limit=200, offset=offset)


def training_run(stack: LocalStack, tmp_path: Path, name: str) -> tuple[Pipeline, FlowRun]:
    """A retrain of a pipeline of its own, started on the stack, whose first training stays in
    flight for 30 s."""
    pipeline = make_pipeline(tmp_path, boto3.client("s3"), f"{name}{os.getpid()}")
    faults(stack, {"hold_next": {"solution-version": 30}})
    return pipeline, start_run(
        "retrain/weekly", {"config_path": pipeline.config_path, "batch": False}
    )


def test_a_run_survives_kill_9_of_its_worker(stack_clients: LocalStack, tmp_path: Path) -> None:
    stack = stack_clients
    pipeline, run = training_run(stack, tmp_path, "wk")
    try:
        wait_until_training(pipeline)
        worker = stack.worker().pid()
        assert worker is not None
        killed_at = datetime.now(UTC)
        os.kill(worker, signal.SIGKILL)
        time.sleep(2.0)
        faults(stack, {"release": True})
        final = wait_for_final(run.id)
    finally:
        faults(stack, {"clear": True})
        restart_worker(stack)
    assert_completed(final, stack)
    one_training_each(pipeline)
    # Its logs still reach the API after the worker is gone. (Whether the run's console breaks
    # depends on which process holds its stdout: where it breaks, flows/console.py logs it.)
    assert any(log.timestamp > killed_at for log in run_logs(run.id))


def test_a_crashed_retrain_reruns_by_itself(stack_clients: LocalStack, tmp_path: Path) -> None:
    stack = stack_clients
    pipeline, run = training_run(stack, tmp_path, "cr")
    try:
        wait_until_training(pipeline)
        os.kill(run_process(run.id), signal.SIGTERM)  # its process ends: the run crashes
        final = wait_past_crash(run.id, timeout=420)
    finally:
        faults(stack, {"clear": True})
    assert_completed(final, stack)
    assert final.run_count == 2
    history = on_api(lambda c: c.read_flow_run_states(run.id))
    names = [state.name for state in history]
    assert "Crashed" in names and "AwaitingRetry" in names, names
    rescheduled = next(state for state in history if state.name == "AwaitingRetry")
    assert RERUN_AUTOMATION in (rescheduled.message or "")
    assert any(message.startswith("Attempt 2 of this run") for message in logs(run.id))
    one_training_each(pipeline)
