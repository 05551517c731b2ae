"""A retraining run killed mid-training, then rerun, attaches to the training in flight."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
import s3fs
from prefect.client.orchestration import get_client
from prefect.client.schemas.actions import GlobalConcurrencyLimitUpdate
from prefect.settings import PREFECT_API_URL

from emulator.process import LocalService
from flows.locks import lock_name
from flows.retrain import retrain
from local.sample_data import SampleSize
from tests.pipelines import ROOT, make_pipeline

LATENCY = "0.003"
"""A training takes 11 s, an import 2.7 s: long enough to be killed in flight."""


@pytest.fixture
def slow_service(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[LocalService]:
    """A private service with real-ish latency; this process's clients point at it."""
    service = LocalService(tmp_path / "service", latency=LATENCY)
    service.start()
    for key, value in service.env.items():
        monkeypatch.setenv(key, value)
    s3fs.S3FileSystem.clear_instance_cache()
    yield service
    service.stop()
    s3fs.S3FileSystem.clear_instance_cache()


def wait_for_training(personalize: Any, solution_name: str, timeout: float = 120) -> str:
    """The ARN of the solution's version once it is training."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        solutions = personalize.list_solutions()["solutions"]
        arn = next((s["solutionArn"] for s in solutions if s["name"] == solution_name), None)
        if arn:
            versions = personalize.list_solution_versions(solutionArn=arn)["solutionVersions"]
            if versions and versions[0]["status"] in ("CREATE PENDING", "CREATE IN_PROGRESS"):
                return str(versions[0]["solutionVersionArn"])
        time.sleep(0.2)
    raise AssertionError(f"{solution_name} did not start training in {timeout} s")


def test_rerun_after_a_crash_attaches_to_the_training(
    prefect_api: None, slow_service: LocalService, tmp_path: Path
) -> None:
    pipeline = make_pipeline(
        tmp_path, boto3.client("s3"), "crash", SampleSize(users=400, items=200)
    )
    solution = next(s for s in pipeline.config.solutions if s.campaign)
    personalize = boto3.client("personalize")
    env = {
        **os.environ,
        "PREFECT_API_URL": str(PREFECT_API_URL.value()),
        "PREFECT_LOGGING_HANDLERS_CONSOLE_LEVEL": "WARNING",
    }
    code = f"from flows.retrain import retrain; retrain(config_path={pipeline.config_path!r}, batch=False)"
    first = subprocess.Popen([sys.executable, "-c", code], cwd=ROOT, env=env)
    try:
        in_flight = wait_for_training(personalize, solution.name)
    finally:
        first.kill()
        first.wait()

    # What an operator does after a hard kill (or waits for the lease to expire).
    with get_client(sync_client=True) as client:
        for name in (s.name for s in pipeline.config.solutions):
            client.update_global_concurrency_limit(
                lock_name(name), GlobalConcurrencyLimitUpdate(active_slots=0)
            )
    assert personalize.describe_solution_version(solutionVersionArn=in_flight)["solutionVersion"][
        "status"
    ] in ("CREATE PENDING", "CREATE IN_PROGRESS")

    state = retrain(config_path=pipeline.config_path, batch=False, return_state=True)
    assert state.is_completed(), state.message
    record = next(s for s in state.result()["solutions"] if s["solution"] == solution.name)
    assert record["solution_version"] == in_flight
    assert record["promotion"]["outcome"] == "created"
    solution_arn = in_flight.rsplit("/", 1)[0]
    versions = personalize.list_solution_versions(solutionArn=solution_arn)["solutionVersions"]
    assert [v["solutionVersionArn"] for v in versions] == [in_flight], "no second training"
