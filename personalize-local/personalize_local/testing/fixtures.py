"""pytest fixtures of the local service, registered as a pytest plugin by installing this project
(entry point ``pytest11``): any suite in an environment with ``personalize-local`` installed can
ask for ``local_service``, ``personalize``, ``raw_personalize``, ``s3``, ``unique`` and
``bucket``. A suite's own fixtures of the same names take precedence; ``-p no:personalize_local``
turns them off.

One service (and its loopback S3) is started per test session, on ports the system chose: under
pytest-xdist each worker is a session of its own.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.config import Config

from personalize_local.process import LocalService
from personalize_local.testing.helpers import grant_bucket

REAL_ACCOUNT_VARIABLES = ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN")
"""Variables through which a client could sign with a real account's credentials."""


def use_test_credentials() -> None:
    """Make sure no client of this process signs with a real account's credentials: drop the
    developer's profile and session token, and set test keys and a region (a suite's conftest
    calls it at import, before any client is made)."""
    for name in REAL_ACCOUNT_VARIABLES:
        os.environ.pop(name, None)
    os.environ.update(
        AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing", AWS_DEFAULT_REGION="us-east-1"
    )


@pytest.fixture(scope="session")
def local_service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalService]:
    """The local Personalize service, started once; its client variables (endpoints, region and
    test credentials) are exported, a real account's profile or session token dropped."""
    use_test_credentials()
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
    """A fresh bucket on the loopback S3, with the policy that lets Personalize use it."""
    name = f"test-{unique}"
    s3.create_bucket(Bucket=name)
    grant_bucket(s3, name)
    return name
