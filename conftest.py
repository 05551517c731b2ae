"""The whole repository's test session: each session's own Prefect home, no real AWS account,
a real Prefect API, and the scheduling of tests over xdist's workers. The local service's
fixtures (one service and its loopback S3 per session) come from its own project's pytest
plugin, :mod:`personalize_local.testing.fixtures`.

Under pytest-xdist (``make test``) each worker is a session of its own: its own service, S3,
data directory (``tmp_path_factory`` is per worker), Prefect API and Prefect home, all on
ports the system chose. :class:`tests.scheduling.SharedScopeScheduling` keeps together the
tests that must share one expensive fixture, and sends the long-running ones out first.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from typing import Any

import pytest

# Prefect reads its settings once, at import: give this session (each xdist worker) a Prefect
# home of its own before anything imports Prefect, so that sessions never share ~/.prefect.
os.environ["PREFECT_HOME"] = tempfile.mkdtemp(prefix="prefect-home-")

from personalize_local.testing.fixtures import use_test_credentials
from tests.scheduling import SharedScopeScheduling

use_test_credentials()


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
