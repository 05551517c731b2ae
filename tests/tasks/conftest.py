"""Fixtures of the tasks' tests: settings, faults on the service, a slow private service."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from emulator.process import LocalService
from tasks.aws import AwsSettings

# Tasks called directly (outside a flow) log locally; no warning about the API for each line.
os.environ.setdefault("PREFECT_LOGGING_TO_API_WHEN_MISSING_FLOW", "ignore")


@pytest.fixture
def aws(local_service: LocalService, prefect_api: None) -> AwsSettings:
    """Settings reaching the shared local service (through the exported endpoint variables)."""
    return AwsSettings(region="us-east-1")


@pytest.fixture
def faults(local_service: LocalService) -> Iterator[Any]:
    """``faults({...})`` arms faults on the shared service; cleared after the test."""
    admin = local_service.env["AWS_ENDPOINT_URL_PERSONALIZE"] + "/_emulator/faults"

    def arm(settings: dict[str, Any]) -> None:
        httpx.post(admin, json=settings).raise_for_status()

    yield arm
    httpx.post(admin, json={"clear": True})


@pytest.fixture(scope="module")
def slow_service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalService]:
    """A private service whose jobs take a while (latency 0.003: an import about 2.7 s)."""
    with LocalService(Path(tmp_path_factory.mktemp("slow")), latency="0.003") as service:
        yield service


@pytest.fixture
def slow_aws(
    slow_service: LocalService, monkeypatch: pytest.MonkeyPatch, prefect_api: None
) -> AwsSettings:
    """Settings reaching the slow service (its endpoints exported for this test only)."""
    for name, value in slow_service.env.items():
        monkeypatch.setenv(name, value)
    return AwsSettings(region="us-east-1")
