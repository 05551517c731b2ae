"""The service's process: ports in use, SIGTERM with a training in flight, kill -9 and resume.

Issue 16 bug 6 and issue 10 item 6: a port in use ends ``serve`` at once with a message naming
the option; SIGTERM stops the service within seconds and leaves the training to the next start;
a training in flight when the service is killed finishes its real work after a restart, with
``--latency instant`` and with a scaled latency (metrics exist, a campaign serves).
"""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import boto3
import pytest

from personalize_local.process import LocalService
from personalize_local.testing.helpers import grant_bucket, wait_status
from personalize_local.testing.training_setup import (
    active_campaign,
    active_solution,
    loaded_group,
    recommended,
    settled,
)

pytestmark = pytest.mark.slow

SLOW = "0.01"
"""A training takes 36 s at this latency: long enough to be stopped or killed in flight."""


def _client(service: LocalService, name: str) -> Any:
    variable = "AWS_ENDPOINT_URL_" + name.upper().replace("-", "_")
    return boto3.client(name, endpoint_url=service.env[variable])


def _serve(data_dir: Path, *options: str) -> subprocess.CompletedProcess[str]:
    command = [
        sys.executable,
        "-m",
        "personalize_local",
        "serve",
        "--data-dir",
        str(data_dir),
        *options,
    ]
    return subprocess.run(command, capture_output=True, text=True, timeout=60)


@pytest.mark.parametrize("option", ["--port", "--s3-port"])
def test_a_port_in_use_ends_serve_with_a_message(tmp_path: Path, option: str) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        other = "--s3-port" if option == "--port" else "--port"
        done = _serve(tmp_path, option, str(port), other, "0")
    assert done.returncode == 2, done.stderr
    assert f"cannot listen on 127.0.0.1:{port}" in done.stderr
    assert option in done.stderr
    assert "Traceback" not in done.stderr


def _training_in_flight(tmp_path: Path, name: str) -> tuple[LocalService, str, str]:
    """A service at latency SLOW training a version of a loaded group; (service, solution, version)."""
    with LocalService(tmp_path) as setup:
        personalize, s3 = _client(setup, "personalize"), _client(setup, "s3")
        s3.create_bucket(Bucket=name)
        grant_bucket(s3, name)
        group = loaded_group(personalize, s3, name, name)
        solution = active_solution(personalize, group, name, "aws-user-personalization-v2")
    service = LocalService(tmp_path, latency=SLOW)
    service.start()
    personalize = _client(service, "personalize")
    version = personalize.create_solution_version(solutionArn=solution)["solutionVersionArn"]
    wait_status(
        lambda: personalize.describe_solution_version(solutionVersionArn=version),
        "solutionVersion",
        "CREATE IN_PROGRESS",
    )
    return service, solution, version


def _finishes_and_serves(service: LocalService, version: str, name: str) -> None:
    """After a restart: the resumed training ends ACTIVE with metrics and a campaign serves it."""
    assert "Resumed 1 job(s) in flight." in service.output()
    personalize = _client(service, "personalize")
    done = settled(
        lambda: personalize.describe_solution_version(solutionVersionArn=version)["solutionVersion"]
    )
    assert done["status"] == "ACTIVE", done
    metrics = personalize.get_solution_metrics(solutionVersionArn=version)["metrics"]
    assert metrics["precision_at_10"] > 0, metrics
    campaign = active_campaign(personalize, name, version)
    assert len(recommended(_client(service, "personalize-runtime"), campaign, "u5")) == 25


def test_sigterm_stops_at_once_and_the_training_resumes_instantly(tmp_path: Path) -> None:
    service, _, version = _training_in_flight(tmp_path, "sigterm")
    s3_port = int(service.env["AWS_ENDPOINT_URL_S3"].rsplit(":", 1)[1])
    started = time.monotonic()
    status = service.terminate()
    took = time.monotonic() - started
    print(f"SIGTERM to exit: {took:.2f} s")
    # The training had 30 s or more to go: the service did not wait for it.
    assert took < 15, took
    assert status == 0, service.output()
    with socket.socket() as probe:  # the loopback S3 let its port go too
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        probe.bind(("127.0.0.1", s3_port))
    with LocalService(tmp_path, latency="instant") as again:
        personalize = _client(again, "personalize")
        left = personalize.describe_solution_version(solutionVersionArn=version)
        assert left["solutionVersion"]["status"] != "CREATE FAILED"
        _finishes_and_serves(again, version, "sigterm")


@pytest.mark.parametrize("latency", ["instant", "0.001"])
def test_kill_9_mid_training_resumes_and_does_the_work(tmp_path: Path, latency: str) -> None:
    service, _, version = _training_in_flight(tmp_path, "killed")
    service.kill()
    with LocalService(tmp_path, latency=latency) as again:
        _finishes_and_serves(again, version, "killed")
