"""The local stack (`make up`'s code) on free loopback ports, started once per session.

A real ``prefect server start``, a real process worker and the local Personalize service, all
as background processes; the project's ``prefect.yaml`` deployed with ``prefect deploy --all``;
the demo's sample data (test-sized) seeded into the local S3.
"""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import Awaitable, Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar
from uuid import UUID

import pytest
from prefect.client.orchestration import PrefectClient, get_client
from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId
from prefect.client.schemas.objects import FlowRun
from prefect.settings import PREFECT_API_URL, get_current_settings, temporary_settings

from local.sample_data import SampleSize
from local.stack import LocalStack, StackSettings

T = TypeVar("T")
RUN_TIMEOUT = 300.0
# The demo's own data size: smaller data makes the gate's comparisons noisy.
STACK_DATA = SampleSize()


def free_port() -> int:
    """A loopback port nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Tests marked ``after_stack_tests`` run after the other end-to-end tests (a stable sort):
    they move the demo dataset group's accepted data, which the others' data checks compare
    their exports with."""
    items.sort(key=lambda item: item.get_closest_marker("after_stack_tests") is not None)


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStack]:
    """The whole local stack, up for the session; stopped (and its processes gone) after."""
    settings = StackSettings(
        state_dir=tmp_path_factory.mktemp("stack"),
        prefect_port=free_port(),
        personalize_port=free_port(),
        s3_port=free_port(),
        sample_size=STACK_DATA,
        prefect_settings={"PREFECT_WORKER_QUERY_SECONDS": "1"},
    )
    local = LocalStack(settings)
    try:
        local.up()
        yield local
    finally:
        local.down()


@pytest.fixture
def on_stack(stack: LocalStack) -> Iterator[LocalStack]:
    """Point this process's Prefect client at the stack's server for one test."""
    with temporary_settings({PREFECT_API_URL: stack.api_url}):
        yield stack


def on_api(call: Callable[[PrefectClient], Awaitable[T]]) -> T:
    """Run one coroutine with a client of the current Prefect API (in a thread of its own, so
    that it also works where an event loop is running, e.g. under Playwright)."""
    settings = get_current_settings()

    async def run() -> T:
        with temporary_settings(updates={PREFECT_API_URL: settings.api.url}):
            async with get_client() as client:
                return await call(client)

    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, run()).result()


def deployment_id(name: str) -> UUID:
    """The id of ``flow/deployment``."""
    return on_api(lambda c: c.read_deployment_by_name(name)).id


def start_run(name: str, parameters: dict[str, Any] | None = None) -> FlowRun:
    """Create a run of a deployment, as the UI's Run button does (POST .../create_flow_run)."""
    ident = deployment_id(name)
    return on_api(lambda c: c.create_flow_run_from_deployment(ident, parameters=parameters or {}))


def wait_for_final(run_id: UUID, timeout: float = RUN_TIMEOUT) -> FlowRun:
    """Poll a flow run until it reaches a final state."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        run = on_api(lambda c: c.read_flow_run(run_id))
        if run.state is not None and run.state.is_final():
            return run
        time.sleep(1.0)
    raise TimeoutError(f"flow run {run_id} not finished after {timeout:.0f} s")


def assert_completed(run: FlowRun, stack: LocalStack) -> None:
    """The run completed; otherwise show its state, its tables (the gate's, the data checks')
    and the worker's log."""
    assert run.state is not None
    if not run.state.is_completed():
        raise AssertionError(
            f"{run.name} ended {run.state.name}: {run.state.message}\n"
            f"{run_tables(run.id)}\n{stack.worker().log_tail(80)}"
        )


def run_tables(run_id: UUID, limit: int = 3000) -> str:
    """The run's artifacts other than progress bars, as text (each cut at ``limit``)."""
    only_this_run = FlowRunFilter(id=FlowRunFilterId(any_=[run_id]))
    found = on_api(lambda c: c.read_artifacts(flow_run_filter=only_this_run))
    return "\n".join(
        f"artifact {a.key} ({a.type}): {str(a.data)[:limit]}" for a in found if a.type != "progress"
    )


@pytest.fixture(scope="session")
def first_retrain(stack: LocalStack) -> FlowRun:
    """One full retrain of the demo configuration, started through the API the UI uses."""
    with temporary_settings({PREFECT_API_URL: stack.api_url}):
        run = start_run("retrain/weekly", {"import_mode": "FULL"})
        return wait_for_final(run.id)
