"""Shared fixtures: one local Personalize service (and its loopback S3) per test session.

Under pytest-xdist (``make test``) each worker is a session of its own: its own service, S3,
data directory (``tmp_path_factory`` is per worker), Prefect API and Prefect home, all on
ports the system chose. :class:`tests.scheduling.SharedScopeScheduling` keeps together the
tests that must share one expensive fixture, and sends the long-running ones out first.
"""

from __future__ import annotations

import os
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.config import Config

# Prefect reads its settings once, at import: give this session (each xdist worker) a Prefect
# home of its own before anything imports Prefect, so that sessions never share ~/.prefect.
os.environ["PREFECT_HOME"] = tempfile.mkdtemp(prefix="prefect-home-")

from personalize_local.process import LocalService
from personalize_local.testing.helpers import grant_bucket
from tests.scheduling import SharedScopeScheduling

# Make sure no test can reach a real AWS account through the developer's own settings.
for _name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN"):
    os.environ.pop(_name, None)
os.environ.update(
    AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing", AWS_DEFAULT_REGION="us-east-1"
)


@pytest.fixture(scope="session")
def local_service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalService]:
    """The local Personalize service, started once; its client variables are exported."""
    service = LocalService(tmp_path_factory.mktemp("personalize-local"))
    service.start()
    service.apply_env()
    yield service
    service.stop()


@pytest.fixture
def personalize(local_service: LocalService) -> Any:
    """A boto3 Personalize client reaching the local service through the standard variables."""
    return boto3.client("personalize")


@pytest.fixture
def raw_personalize(local_service: LocalService) -> Any:
    """A client that skips boto3's own parameter checks, to reach the service's validation."""
    return boto3.client("personalize", config=Config(parameter_validation=False))


@pytest.fixture
def s3(local_service: LocalService) -> Any:
    """A boto3 S3 client for the loopback S3 server."""
    return boto3.client("s3")


@pytest.fixture
def unique() -> str:
    """A short unique suffix so tests sharing one service never collide on names."""
    return uuid.uuid4().hex[:8]


@pytest.fixture
def bucket(s3: Any, unique: str) -> str:
    """A fresh bucket on the loopback S3."""
    name = f"test-{unique}"
    s3.create_bucket(Bucket=name)
    grant_bucket(s3, name)
    return name


def tmp_service(path: Path, **kwargs: Any) -> LocalService:
    """A second, private service instance (for restart and fault tests)."""
    return LocalService(path, **kwargs)


@pytest.fixture(scope="session")
def prefect_api() -> Iterator[None]:
    """A real Prefect API (the test harness's temporary server), started once per session."""
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=180):
        yield


@pytest.hookimpl(optionalhook=True)  # xdist's hook: `-p no:xdist` runs without it
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """``make test``'s ``--dist loadgroup``: :class:`tests.scheduling.SharedScopeScheduling`."""
    if config.getvalue("dist") == "loadgroup":
        return SharedScopeScheduling(config, log)
    return None


SLOW_FIXTURES = ("stack", "slow_service")
"""Fixtures that make a test slow: the local stack, a paced private service."""


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark each test on the local stack or a paced service as slow."""
    for item in items:
        if any(name in item.fixturenames for name in SLOW_FIXTURES):
            item.add_marker(pytest.mark.slow)
