"""Folding waiting retrains into the one that gets to work (flows/coalesce.py, issue 23).

Against a real Prefect API: runs of one deployment waiting for their turn are cancelled as
folded into the working run, which takes their exports in order; a run asking for something
else is left waiting; a rerun of the working run finds what it had taken.
"""

from __future__ import annotations

import time
from typing import Any
from uuid import UUID

from prefect import flow
from prefect.client.orchestration import get_client
from prefect.client.schemas.objects import FlowRun
from prefect.states import Completed, Running, Scheduled

from deployments.upstream import taken_by
from flows.coalesce import FOLDED_TAG, Export, exports_to_import, take_waiting_exports


def exports(*modes: str | None) -> list[Export]:
    return [Export(f"s3://b/e{i}", mode, f"run-{i}") for i, mode in enumerate(modes)]  # type: ignore[arg-type]


def test_incremental_exports_are_all_imported_in_order() -> None:
    given = exports("INCREMENTAL", None, "INCREMENTAL")
    assert exports_to_import(given, "INCREMENTAL") == (given, "INCREMENTAL")


def test_the_newest_full_export_replaces_the_ones_before_it() -> None:
    given = exports("INCREMENTAL", "FULL", "INCREMENTAL", "FULL", "INCREMENTAL")
    assert exports_to_import(given, "INCREMENTAL") == (given[3:], "FULL")
    assert exports_to_import(exports(None, None), "FULL") == (exports(None, None)[1:], "FULL")


@flow(name="coalesce-probe")
def probe(config_path: str = "c.yaml", interactions_uri: str | None = None,
          import_mode: str | None = None) -> None:  # fmt: skip
    """Stands in for retrain: the same parameters that matter here."""


def new_run(client: Any, deployment: UUID, **parameters: Any) -> FlowRun:
    return client.create_flow_run_from_deployment(deployment, parameters=parameters,
                                                  state=Scheduled())  # fmt: skip


def test_waiting_runs_are_folded_into_the_working_one(prefect_api: None) -> None:
    with get_client(sync_client=True) as client:
        flow_id = client.create_flow(probe)
        deployment = client.create_deployment(flow_id, "burst")
        me = new_run(client, deployment, interactions_uri="s3://b/0", import_mode="INCREMENTAL")
        waiting = [new_run(client, deployment, interactions_uri=f"s3://b/{i}",
                           import_mode="INCREMENTAL") for i in (1, 2, 3)]  # fmt: skip
        other = new_run(client, deployment, config_path="other.yaml", interactions_uri="s3://b/9")
        client.set_flow_run_state(me.id, Running(), force=True)

    taken = take_waiting_exports(me.id)
    assert [e.uri for e in taken] == [f"s3://b/{i}" for i in range(4)]
    with get_client(sync_client=True) as client:
        for run in waiting:
            folded = client.read_flow_run(run.id)
            assert folded.state is not None and folded.state.is_cancelled()
            assert f"folded into {me.name}" in str(folded.state.message)
            assert FOLDED_TAG + str(me.id) in folded.tags
        assert client.read_flow_run(other.id).state_name == "Scheduled"
        later = new_run(client, deployment, interactions_uri="s3://b/4")
    # A rerun (after a crash) takes what it had taken, and what waits now.
    assert [e.uri for e in take_waiting_exports(me.id)] == [f"s3://b/{i}" for i in range(5)]
    with get_client(sync_client=True) as client:
        assert client.read_flow_run(later.id).state_name == "Cancelled"


def test_an_upstream_waiting_for_a_folded_run_follows_it_to_the_run_that_took_it(
    prefect_api: None,
) -> None:
    with get_client(sync_client=True) as client:
        flow_id = client.create_flow(probe)
        deployment = client.create_deployment(flow_id, "followed")
        me = new_run(client, deployment, interactions_uri="s3://b/0")
        waited = new_run(client, deployment, interactions_uri="s3://b/1")
        client.set_flow_run_state(me.id, Running(), force=True)
    take_waiting_exports(me.id)
    with get_client(sync_client=True) as client:
        client.set_flow_run_state(me.id, Completed(message="retrained and promoted"), force=True)
        folded = client.read_flow_run(waited.id)
    followed = taken_by(folded, time.monotonic() + 60)
    assert followed.id == me.id and followed.state is not None and followed.state.is_completed()
