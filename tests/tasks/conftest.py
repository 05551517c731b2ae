"""Fixtures of the tasks' tests: settings, faults on the service, a slow private service."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from personalize_local.process import LocalService
from personalize_local.testing.helpers import arm_faults
from tasks.aws import AwsSettings
from tasks.solution_versions import train_solution_version
from tasks.solutions import ensure_solution
from tests.tasks.helpers import Loaded, loaded_group

# Tasks called directly (outside a flow) log locally; no warning about the API for each line.
os.environ.setdefault("PREFECT_LOGGING_TO_API_WHEN_MISSING_FLOW", "ignore")


@pytest.fixture
def aws(local_service: LocalService, prefect_api: None) -> AwsSettings:
    """Settings reaching the shared local service (through the exported endpoint variables)."""
    return AwsSettings(region="us-east-1")


@pytest.fixture
def faults(local_service: LocalService) -> Iterator[Any]:
    """``faults({...})`` arms faults on the shared service; cleared after the test."""
    yield lambda settings: arm_faults(local_service, settings)
    arm_faults(local_service, {"clear": True})


@pytest.fixture(scope="session")
def slow_service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalService]:
    """A private service whose jobs take a while (latency 0.002: an import 1.8 s, a training 7.2 s)."""
    with LocalService(Path(tmp_path_factory.mktemp("slow")), latency="0.002") as service:
        yield service


@pytest.fixture
def slow_aws(
    slow_service: LocalService, monkeypatch: pytest.MonkeyPatch, prefect_api: None
) -> AwsSettings:
    """Settings reaching the slow service (its endpoints exported for this test only)."""
    for name, value in slow_service.env.items():
        monkeypatch.setenv(name, value)
    return AwsSettings(region="us-east-1")


@dataclass
class Trained(Loaded):
    """A loaded group with a user-personalization solution and its trained versions."""

    solution: str = ""
    versions: tuple[str, ...] = ()


def trained_group(loaded: Loaded, versions: int = 2) -> Trained:
    """A solution of a loaded group and ``versions`` trained versions, made with the tasks."""
    aws, name = loaded.aws, loaded.name
    solution = ensure_solution(
        aws, loaded.group, f"{name}-up", "arn:aws:personalize:::recipe/aws-user-personalization-v2"
    )
    trained = tuple(train_solution_version(aws, solution) for _ in range(versions))
    return Trained(**vars(loaded), solution=solution, versions=trained)


@pytest.fixture(scope="session")
def trained(local_service: LocalService, prefect_api: None) -> Trained:
    """One trained group on the shared service, for the tests of metrics, campaigns, batch."""
    return trained_group(
        loaded_group(AwsSettings(region="us-east-1"), f"tr-{uuid.uuid4().hex[:6]}")
    )


@pytest.fixture(scope="session")
def slow_loaded(slow_service: LocalService, prefect_api: None) -> Loaded:
    """A loaded group on the slow service (its endpoints exported while it is built)."""
    with exported(slow_service.env):
        return loaded_group(AwsSettings(region="us-east-1"), f"sl-{uuid.uuid4().hex[:6]}")


@pytest.fixture(scope="session")
def slow_trained(slow_service: LocalService, slow_loaded: Loaded) -> Trained:
    """One trained version on the slow service."""
    with exported(slow_service.env):
        return trained_group(slow_loaded, versions=1)


@contextmanager
def exported(env: dict[str, str]) -> Iterator[None]:
    """Export variables for the duration of the block, then restore the previous ones."""
    saved = {name: os.environ.get(name) for name in env}
    os.environ.update(env)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
