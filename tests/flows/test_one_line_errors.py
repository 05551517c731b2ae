"""A deployment's run stopped by an expected stop logs it in one line (issue 23).

The run goes through the path a worker starts (``python -m prefect.flow_engine ENTRYPOINT``
with the run's id), against a real Prefect API: a configuration checked before any AWS call
(every AWS endpoint pointing at a closed port), a source bucket that does not exist (on the
local service's S3), and an import job that fails on the service (AWS's failureReason) stop the
run with their own message, in one line, no traceback.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import boto3
from prefect import Flow
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import LogFilter, LogFilterFlowRunId
from prefect.client.schemas.objects import Log
from prefect.settings import PREFECT_API_URL
from prefect.states import Failed

from deployments.upstream import RetrainNotCompleted
from flows.batch_inference import batch_inference
from flows.one_line_errors import HINT, REPEATED, TASK_EXCEPTION, OneLineStops
from flows.retrain import retrain
from flows.run_state import StoppedRun
from personalize_local.process import LocalService
from personalize_local.testing.helpers import arm_faults
from tasks.config import ConfigError
from tasks.errors import DriftError
from tasks.preflight import PreflightError
from tasks.prep.errors import GuardError
from tasks.waiter import ResourceFailedError, WaitTimeoutError
from tests.pipelines import DEMO_CONFIG, ROOT, make_pipeline

CLOSED = "http://127.0.0.1:9"


def run_as_worker(
    flow: Flow[Any, Any], entrypoint: str, parameters: dict[str, Any], **env: str
) -> list[Log]:
    """Run ``flow`` as a worker does; its (failed) run's logs."""
    with get_client(sync_client=True) as client:
        run = client.create_flow_run(flow, parameters=parameters)
    variables = {**os.environ, "PREFECT_API_URL": str(PREFECT_API_URL.value()),
                 "PREFECT__FLOW_RUN_ID": str(run.id), **env}  # fmt: skip
    subprocess.run([sys.executable, "-m", "prefect.flow_engine", entrypoint], cwd=ROOT,
                   env=variables, capture_output=True, timeout=300, check=False)  # fmt: skip
    with get_client(sync_client=True) as client:
        state = client.read_flow_run(run.id).state
        logs = client.read_logs(LogFilter(flow_run_id=LogFilterFlowRunId(any_=[run.id])))
    assert state is not None and state.is_failed(), state
    return logs


def one_error(logs: list[Log]) -> str:
    """The run's only ERROR line (there is no traceback at any level up to INFO)."""
    errors = [log.message for log in logs if log.level >= logging.ERROR]
    assert len(errors) == 1, errors
    assert "\n" not in errors[0] and errors[0].endswith(HINT), errors
    assert not any("Traceback" in log.message for log in logs)
    return errors[0]


def test_an_unknown_batch_solution_is_one_line_before_any_aws_call(prefect_api: None) -> None:
    parameters = {"config_path": str(DEMO_CONFIG), "solution": "nope"}
    logs = run_as_worker(batch_inference, "flows/batch_inference.py:batch_inference", parameters,
                         AWS_ENDPOINT_URL=CLOSED, AWS_ENDPOINT_URL_PERSONALIZE=CLOSED,
                         AWS_ENDPOINT_URL_S3=CLOSED)  # fmt: skip
    error = one_error(logs)
    assert error.startswith(f"{DEMO_CONFIG}: solution: no solution named 'nope'"), error
    assert "(with batch_inference: " in error


def test_a_source_bucket_that_does_not_exist_is_one_line(
    prefect_api: None, local_service: LocalService
) -> None:
    uri = "s3://no-such-bucket-for-one-line/exports/interactions.parquet"
    parameters = {"config_path": str(DEMO_CONFIG), "interactions_uri": uri}
    error = one_error(run_as_worker(retrain, "flows/retrain.py:retrain", parameters))
    assert error.startswith("1 problem(s) found before creating anything: interactions_uri"), error
    assert "no-such-bucket-for-one-line" in error


def test_a_failed_import_is_one_line_with_aws_reason(
    prefect_api: None, local_service: LocalService, tmp_path: Path, unique: str
) -> None:
    pipeline = make_pipeline(tmp_path, boto3.client("s3"), unique)
    reason = "The CSV header does not match the schema"
    arm_faults(local_service, {"fail_next": {"dataset-import-job": reason}})
    try:
        parameters = {"config_path": pipeline.config_path, "batch": False}
        error = one_error(run_as_worker(retrain, "flows/retrain.py:retrain", parameters))
    finally:
        arm_faults(local_service, {"clear": True})
    assert "dataset-import-job arn:aws:personalize:" in error, error
    assert f"ended CREATE FAILED: {reason}" in error, error


def failure(error: Exception) -> logging.LogRecord:
    """The record Prefect logs for a run that raised ``error``."""
    return logging.LogRecord("prefect.flow_runs", logging.ERROR, "", 0, "failed: %r",
                             (error,), (type(error), error, None))  # fmt: skip


def test_debug_keeps_the_traceback() -> None:
    record = failure(ConfigError("c.yaml", ["solution: no solution named 'x'"]))
    prefect = logging.getLogger("prefect")
    level = prefect.level
    try:
        prefect.setLevel(logging.DEBUG)
        assert OneLineStops().filter(record) and record.exc_info is not None
        prefect.setLevel(logging.INFO)
        assert OneLineStops().filter(record) and record.exc_info is None
        assert record.getMessage() == f"c.yaml: solution: no solution named 'x' {HINT}"
    finally:
        prefect.setLevel(level)


def test_every_expected_stop_is_one_line_once_and_other_errors_keep_their_traceback() -> None:
    findings = PreflightError.__new__(PreflightError)
    Exception.__init__(findings, "2 problem(s) found before creating anything:\n- a: fix\n- b")
    quiet = OneLineStops()
    for error, line in [
        (findings, "2 problem(s) found before creating anything: a: fix; b"),
        (DriftError("campaign c serves v1, not v2: update it"), "campaign c serves v1, not v2: update it"),
        (GuardError("rejected 40% of rows\n(guards.max_rejected_share: 0.1)"),
         "rejected 40% of rows (guards.max_rejected_share: 0.1)"),
        (ResourceFailedError("solution-version", "arn:v", "CREATE FAILED", "Insufficient data"),
         "solution-version arn:v ended CREATE FAILED: Insufficient data"),
        (WaitTimeoutError("campaign", "arn:c", "CREATE IN_PROGRESS", 3600.0),
         "campaign arn:c still CREATE IN_PROGRESS after 1h00m00s, past its deadline"),
        (RetrainNotCompleted("retrain run r ended Failed: stopped by the gate for s: ..."),
         "retrain run r ended Failed: stopped by the gate for s: ..."),
    ]:  # fmt: skip
        record = failure(error)
        assert quiet.filter(record) and record.getMessage() == f"{line} {HINT}"
        assert not quiet.filter(failure(error)), "the flow's repetition of the task's failure"
    engine = failure(StoppedRun("stopped by the gate: ...", {}))
    engine.msg = REPEATED  # the gate's stop is the state's message already
    assert not quiet.filter(engine)
    other = failure(RuntimeError("boom"))
    assert quiet.filter(other) and other.exc_info is not None
    # A failed task's closing line: an expected stop's is its one line (once), another kept.
    for name, message in (("ResourceFailedError", "job j ended CREATE FAILED: it's bad\n- fix"),
                          ("RuntimeError", "boom")):  # fmt: skip
        state = str(Failed(message=f"{TASK_EXCEPTION}{name}: {message}"))
        closing = logging.LogRecord("prefect.task_runs", logging.ERROR, "", 0,
                                    f"Finished in state {state}", None, None)  # fmt: skip
        assert quiet.filter(closing)
        if name == "RuntimeError":
            assert closing.getMessage() == f"Finished in state {state}"
        else:
            assert closing.getMessage() == f"job j ended CREATE FAILED: it's bad fix {HINT}"
            again = failure(ResourceFailedError("job", "j", "CREATE FAILED", "it's bad\n- fix"))
            assert not quiet.filter(again), "the flow's repetition of the task's failure"
