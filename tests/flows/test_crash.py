"""A retraining run killed mid-training, then rerun: it attaches to the training in flight, or
uses the version that finished training while the flow was down; never trains twice."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import suppress
from pathlib import Path
from typing import Any

import boto3
import pytest
import s3fs
from prefect.client.orchestration import get_client
from prefect.client.schemas.actions import GlobalConcurrencyLimitUpdate
from prefect.exceptions import ObjectNotFound
from prefect.settings import PREFECT_API_URL

from flows.locks import dataset_lock_name, lock_name
from flows.retrain import retrain
from local.sample_data import SampleSize
from personalize_local.process import LocalService
from personalize_local.testing.helpers import arm_faults
from tests.pipelines import PASSING_GATE, ROOT, Pipeline, make_pipeline

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


def crash_while_training(tmp_path: Path, name: str) -> tuple[Pipeline, str]:
    """A retrain in a process of its own, killed once it trains; (pipeline, version in flight).

    The solutions' and datasets' locks are freed afterwards, as an operator does after a hard
    kill.
    """
    # Not a test of the gate: a version it stopped by chance (the demo's gate compares with
    # the popularity baseline) would read as a failed rerun.
    size = SampleSize(users=400, items=200)
    pipeline = make_pipeline(tmp_path, boto3.client("s3"), name, size, gate=PASSING_GATE)
    solution = next(s for s in pipeline.config.solutions if s.campaign)
    env = {
        **os.environ,
        "PREFECT_API_URL": str(PREFECT_API_URL.value()),
        "PREFECT_LOGGING_HANDLERS_CONSOLE_LEVEL": "WARNING",
    }
    code = f"from flows.retrain import retrain; retrain(config_path={pipeline.config_path!r}, batch=False)"
    first = subprocess.Popen([sys.executable, "-c", code], cwd=ROOT, env=env)
    try:
        in_flight = wait_for_training(boto3.client("personalize"), solution.name)
    finally:
        first.kill()
        first.wait()
    config = pipeline.config
    locks = [lock_name(s.name) for s in config.solutions]
    locks += [dataset_lock_name(config.dataset_group.name, t) for t in config.datasets.configured()]
    with get_client(sync_client=True) as client:
        for lock in locks:
            with suppress(ObjectNotFound):
                client.update_global_concurrency_limit(
                    lock, GlobalConcurrencyLimitUpdate(active_slots=0)
                )
    return pipeline, in_flight


def rerun_uses(pipeline: Pipeline, version: str) -> None:
    """A rerun completes with ``version`` promoted, and no second training was started."""
    solution = next(s for s in pipeline.config.solutions if s.campaign)
    state = retrain(config_path=pipeline.config_path, batch=False, return_state=True)
    assert state.is_completed(), state.message
    record = next(s for s in state.result()["solutions"] if s["solution"] == solution.name)
    assert record["solution_version"] == version
    assert record["promotion"]["outcome"] == "created"
    solution_arn = version.rsplit("/", 1)[0]
    personalize = boto3.client("personalize")
    versions = personalize.list_solution_versions(solutionArn=solution_arn)["solutionVersions"]
    assert [v["solutionVersionArn"] for v in versions] == [version], "no second training"


def status(version: str) -> str:
    personalize = boto3.client("personalize")
    return str(
        personalize.describe_solution_version(solutionVersionArn=version)["solutionVersion"][
            "status"
        ]
    )


def test_rerun_after_a_crash_attaches_to_the_training(
    prefect_api: None, slow_service: LocalService, tmp_path: Path
) -> None:
    # 15 s more in flight than its 11 s: the kill and the lock release may be slow on a loaded
    # machine, and the rerun must still find the training running.
    arm_faults(slow_service, {"hold_next": {"solution-version": 15}})
    pipeline, in_flight = crash_while_training(tmp_path, "crash")
    assert status(in_flight) in ("CREATE PENDING", "CREATE IN_PROGRESS")
    rerun_uses(pipeline, in_flight)


def test_rerun_after_the_training_finished_uses_it(
    prefect_api: None, slow_service: LocalService, tmp_path: Path
) -> None:
    # Issue 16, bug 2: the training ends while the flow is down; the rerun must not train again.
    pipeline, trained = crash_while_training(tmp_path, "crash-done")
    deadline = time.monotonic() + 120
    while status(trained) != "ACTIVE":
        assert time.monotonic() < deadline, f"{trained} did not finish training"
        time.sleep(0.5)
    rerun_uses(pipeline, trained)
