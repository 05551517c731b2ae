"""A run whose console pipe closes (its worker died) goes on and completes, logging to the API.

The run is a process of its own whose stdout and stderr are a pipe, as a process worker starts
it; the test reads the first line, then closes the pipe (the worker's end, as ``kill -9`` of the
worker does) and lets the run log and print again.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path
from uuid import UUID

from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import LogFilter, LogFilterFlowRunId
from prefect.settings import PREFECT_API_URL

from tests.pipelines import ROOT

RUN = """
import pathlib, sys, time
import flows  # what a deployment's entrypoint (flows/...) imports first
from prefect import flow, get_run_logger
from prefect.runtime import flow_run

@flow(name="console-goes-away", log_prints=False)
def outlive() -> str:
    print(flow_run.get_id(), flush=True)
    gate = pathlib.Path(sys.argv[1])
    while not gate.exists():
        time.sleep(0.1)
    for n in range(3):
        get_run_logger().info("still running after the pipe closed, line %d", n)
        print("a bare print", n, flush=True)
    return "done"

outlive()
"""


def test_a_run_outlives_its_closed_console(prefect_api: None, tmp_path: Path) -> None:
    gate = tmp_path / "pipe-closed"
    env = {**os.environ, "PREFECT_API_URL": str(PREFECT_API_URL.value())}
    process = subprocess.Popen(
        [sys.executable, "-c", RUN, str(gate)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert process.stdout is not None
    run_id = _first_uuid(process.stdout)
    process.stdout.close()  # the worker's end of the pipe is gone
    gate.touch()
    assert process.wait(timeout=120) == 0
    with get_client(sync_client=True) as client:
        run = client.read_flow_run(run_id)
        logs = client.read_logs(LogFilter(flow_run_id=LogFilterFlowRunId(any_=[run_id])))
    assert run.state is not None and run.state.is_completed(), run.state
    messages = [log.message for log in logs]
    assert "still running after the pipe closed, line 2" in messages, messages


def _first_uuid(stream: object) -> UUID:
    """The run id the flow prints first (Prefect's own console lines come before it)."""
    deadline = time.monotonic() + 120
    for line in stream:  # type: ignore[attr-defined]
        try:
            return UUID(line.strip())
        except ValueError:
            assert time.monotonic() < deadline, "the run did not print its id"
    raise AssertionError("the run ended before printing its id")
