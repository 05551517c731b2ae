"""A deployment's run stopped by a configuration error logs it in one line (issue 23).

The run goes through the path a worker starts (``python -m prefect.flow_engine ENTRYPOINT``
with the run's id), against a real Prefect API, with every AWS endpoint pointing at a closed
port: a configuration checked before any AWS call stops the run with its own message.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys

from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import LogFilter, LogFilterFlowRunId
from prefect.settings import PREFECT_API_URL

from flows.batch_inference import batch_inference
from flows.one_line_errors import OneLineConfigErrors
from tasks.config import ConfigError
from tests.pipelines import DEMO_CONFIG, ROOT

CLOSED = "http://127.0.0.1:9"


def test_an_unknown_batch_solution_is_one_line_before_any_aws_call(prefect_api: None) -> None:
    parameters = {"config_path": str(DEMO_CONFIG), "solution": "nope"}
    with get_client(sync_client=True) as client:
        run = client.create_flow_run(batch_inference, parameters=parameters)
    env = {
        **os.environ,
        "PREFECT_API_URL": str(PREFECT_API_URL.value()),
        "PREFECT__FLOW_RUN_ID": str(run.id),
        "AWS_ENDPOINT_URL": CLOSED,
        "AWS_ENDPOINT_URL_PERSONALIZE": CLOSED,
        "AWS_ENDPOINT_URL_S3": CLOSED,
    }
    entrypoint = "flows/batch_inference.py:batch_inference"
    subprocess.run([sys.executable, "-m", "prefect.flow_engine", entrypoint], cwd=ROOT, env=env,
                   capture_output=True, timeout=180, check=False)  # fmt: skip
    with get_client(sync_client=True) as client:
        state = client.read_flow_run(run.id).state
        logs = client.read_logs(LogFilter(flow_run_id=LogFilterFlowRunId(any_=[run.id])))
    assert state is not None and state.is_failed(), state
    errors = [log.message for log in logs if log.level >= logging.ERROR]
    assert len(errors) == 1, errors
    assert errors[0].startswith(f"{DEMO_CONFIG}: solution: no solution named 'nope'"), errors
    assert "(with batch_inference: " in errors[0] and "\n" not in errors[0]
    assert not any("Traceback" in log.message for log in logs)


def test_debug_keeps_the_traceback() -> None:
    error = ConfigError("c.yaml", ["solution: no solution named 'x'"])
    record = logging.LogRecord("prefect.flow_runs", logging.ERROR, "", 0, "failed: %r",
                               (error,), (ConfigError, error, None))  # fmt: skip
    prefect = logging.getLogger("prefect")
    level = prefect.level
    try:
        prefect.setLevel(logging.DEBUG)
        assert OneLineConfigErrors().filter(record) and record.exc_info is not None
        prefect.setLevel(logging.INFO)
        assert OneLineConfigErrors().filter(record) and record.exc_info is None
        assert record.getMessage() == (
            "c.yaml: solution: no solution named 'x' (traceback: PREFECT_LOGGING_LEVEL=DEBUG)"
        )
    finally:
        prefect.setLevel(level)
