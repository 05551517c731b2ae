"""The Prefect test harness starts and runs a flow against its real API."""

from __future__ import annotations

from prefect import flow, get_run_logger


@flow
def _hello(name: str) -> str:
    get_run_logger().info("hello %s", name)
    return f"hello {name}"


def test_flow_runs_against_the_harness(prefect_api: None) -> None:
    assert _hello("personalize") == "hello personalize"
