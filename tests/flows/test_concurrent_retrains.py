"""Retrains of one dataset group at once, through a real Prefect API and the local service.

The first run holds the solution's lock while it waits for a person's approval; the second,
on newer data, waits for that lock (saying who holds it), then trains and promotes. The local
service's records show the trainings one after the other, the second started only after the
first run's promotion began, and the campaign serving the newer version. Two runs on the same
export: one import per dataset and one training per solution; the second uses them. A training
that fails keeps the locks until the other solution's training has ended.
"""

from __future__ import annotations

import logging
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from prefect.client.orchestration import get_client
from prefect.flow_runs import resume_flow_run

from flows.locks import HOLDER_TAG, lock_name
from flows.retrain import NOTHING_NEW, retrain
from flows.run_state import run_result
from personalize_local.testing.helpers import arm_faults
from tests.flows.paused_runs import paused_run
from tests.pipelines import make_pipeline


def wait_for_log(
    caplog: pytest.LogCaptureFixture, start: str, not_from: str = "", timeout: float = 240
) -> str:
    """The first captured log message starting with ``start`` (and not of flow run
    ``not_from``)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = [
            r.getMessage()
            for r in caplog.records
            if r.getMessage().startswith(start) and getattr(r, "flow_run_id", "") != not_from
        ]
        if found:
            return found[0]
        time.sleep(0.5)
    raise AssertionError(f"no log line starting {start!r}")


@pytest.mark.slow
@pytest.mark.timeout(600)
def test_a_second_retrain_waits_for_the_first_then_trains(
    prefect_api: None,
    local_service: Any,
    s3: Any,
    personalize: Any,
    tmp_path: Path,
    unique: str,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    monkeypatch.setattr("flows.locks.NOTICE_SECONDS", 1.0)
    pipeline = make_pipeline(tmp_path, s3, unique)
    solution = next(s for s in pipeline.config.solutions if s.campaign)
    assert solution.campaign is not None
    lock = lock_name(solution.name)
    states: dict[str, Any] = {}

    def run(key: str, **parameters: Any) -> None:
        states[key] = retrain(
            config_path=pipeline.config_path,
            solutions=[solution.name],
            batch=False,
            return_state=True,
            **parameters,
        )

    first = threading.Thread(target=run, args=("first",), kwargs={"require_approval": True})
    second = threading.Thread(
        target=run,
        args=("second",),
        kwargs={
            "interactions_uri": pipeline.exports.new_interactions,
            "import_mode": "INCREMENTAL",
        },
    )
    with caplog.at_level(logging.INFO):
        first.start()
        holding = paused_run(first, HOLDER_TAG + lock)
        holder, holder_name = holding.id, holding.name
        second.start()
        waiting = wait_for_log(caplog, "Waiting for ", not_from=str(holder))
        resume_flow_run(holder, run_input={"approve": True, "reviewer": "qa", "comment": "ok"})
        first.join(300)
        second.join(300)
    assert lock in waiting.split(" since ")[0]
    assert f"held by flow run '{holder_name}' ({holder}, Paused" in waiting
    assert states["first"].is_completed(), states["first"].message
    assert states["second"].is_completed(), states["second"].message

    # The service's records: two trainings, one after the other; the second began after the
    # first run had started promoting (the lock spans training to promotion).
    first_version, second_version = (trained(states[k], solution.name) for k in ("first", "second"))
    older = describe(personalize, first_version)
    newer = describe(personalize, second_version)
    listed = personalize.list_solution_versions(solutionArn=older["solutionArn"])
    assert {v["solutionVersionArn"] for v in listed["solutionVersions"]} == {
        first_version,
        second_version,
    }
    assert older["status"] == newer["status"] == "ACTIVE"
    assert newer["creationDateTime"] >= older["lastUpdatedDateTime"]
    (campaign,) = personalize.list_campaigns(solutionArn=older["solutionArn"])["campaigns"]
    assert newer["creationDateTime"] > campaign["creationDateTime"]
    serving = personalize.describe_campaign(campaignArn=campaign["campaignArn"])["campaign"]
    assert serving["solutionVersionArn"] == second_version


def trained(state: Any, solution: str) -> str:
    """The solution version a retrain's run trained (from its lineage) and promoted."""
    mine = next(s for s in run_result(state)["solutions"] if s["solution"] == solution)
    assert mine["outcome"] == "promoted", mine
    return str(mine["solution_version"])


def describe(personalize: Any, arn: str) -> dict[str, Any]:
    """DescribeSolutionVersion's answer."""
    return dict(personalize.describe_solution_version(solutionVersionArn=arn)["solutionVersion"])


def slots(lock: str) -> int:
    """The lock's slots taken now."""
    with get_client(sync_client=True) as client:
        return client.read_global_concurrency_limit_by_name(lock).active_slots


@pytest.mark.slow
@pytest.mark.timeout(600)
def test_a_failed_training_keeps_the_locks_until_the_other_training_ends(
    prefect_api: None,
    local_service: Any,
    s3: Any,
    personalize: Any,
    tmp_path: Path,
    unique: str,
) -> None:
    # Issue 29, 2: one solution's task failing out of the lock block released both locks while
    # the other solution's training was still being polled.
    pipeline = make_pipeline(tmp_path, s3, unique)
    names = [s.name for s in pipeline.config.solutions]
    assert len(names) == 2
    locks = [lock_name(name) for name in names]
    states: dict[str, Any] = {}
    # Both trainings stay in flight until released; then the first solution's one is stopped
    # (the run's first result to be taken), and it fails while the other still trains.
    arm_faults(local_service, {"hold_next": {"solution-version": 120}})
    arm_faults(local_service, {"hold_next": {"solution-version": 120}})
    run = threading.Thread(
        target=lambda: states.update(
            run=retrain(config_path=pipeline.config_path, batch=False, return_state=True)
        )
    )
    try:
        run.start()
        in_flight = wait_for_versions(personalize, names, ["CREATE IN_PROGRESS"] * 2, run)
        personalize.stop_solution_version_creation(solutionVersionArn=in_flight[names[0]])
        wait_for_versions(personalize, names, ["CREATE IN_PROGRESS", "CREATE STOPPED"], run)
        time.sleep(3.0)  # long enough for the run to have left its lock block, had it
        assert run.is_alive()
        assert [slots(lock) for lock in locks] == [1, 1], "a lock went while a training ran"
    finally:
        arm_faults(local_service, {"release": True})
        run.join(300)
        arm_faults(local_service, {"clear": True})
    assert states["run"].is_failed(), states["run"]
    assert "CREATE STOPPED" in str(states["run"].message)
    wait_for_versions(personalize, names, ["ACTIVE", "CREATE STOPPED"], run)
    assert [slots(lock) for lock in locks] == [0, 0]


def wait_for_versions(
    personalize: Any, solutions: list[str], statuses: list[str], run: threading.Thread
) -> dict[str, str]:
    """Each solution's newest version, once their statuses are ``statuses`` (in any order)."""
    deadline = time.monotonic() + 240
    while True:
        found = {}
        for solution in personalize.list_solutions()["solutions"]:
            if solution["name"] in solutions:
                arn = solution["solutionArn"]
                listed = personalize.list_solution_versions(solutionArn=arn)["solutionVersions"]
                if listed:
                    found[solution["name"]] = listed[0]
        if sorted(v["status"] for v in found.values()) == sorted(statuses):
            return {name: v["solutionVersionArn"] for name, v in found.items()}
        assert time.monotonic() < deadline, found
        assert run.is_alive() or not statuses[0].endswith("IN_PROGRESS"), found
        time.sleep(0.2)


@pytest.mark.slow
@pytest.mark.timeout(600)
def test_two_runs_on_one_export_import_and_train_once(
    prefect_api: None, local_service: Any, s3: Any, personalize: Any, tmp_path: Path, unique: str
) -> None:
    # Issue 29, 3: the second run waited for the first import, then imported the same data
    # again (interactions and items); 4: it then acted on what it saw before it waited.
    pipeline = make_pipeline(tmp_path, s3, unique)
    states: dict[str, Any] = {}

    def run(key: str) -> None:
        states[key] = retrain(config_path=pipeline.config_path, batch=False, return_state=True)

    runs = [threading.Thread(target=run, args=(key,)) for key in ("a", "b")]
    for thread in runs:
        thread.start()
    for thread in runs:
        thread.join(540)
    assert sorted(states) == ["a", "b"]
    messages = sorted(str(state.message) for state in states.values())
    assert all(state.is_completed() for state in states.values()), messages
    assert messages == [NOTHING_NEW, "retrained and promoted"]
    group = next(
        g["datasetGroupArn"]
        for g in personalize.list_dataset_groups()["datasetGroups"]
        if g["name"] == pipeline.config.dataset_group.name
    )
    imported = {t.upper() for t, d in pipeline.config.datasets.configured().items() if d.source}
    datasets = personalize.list_datasets(datasetGroupArn=group)["datasets"]
    assert imported <= {d["datasetType"] for d in datasets}
    for dataset in (d for d in datasets if d["datasetType"] in imported):
        jobs = personalize.list_dataset_import_jobs(datasetArn=dataset["datasetArn"])
        assert len(jobs["datasetImportJobs"]) == 1, (dataset["datasetType"], jobs)
    for solution in personalize.list_solutions(datasetGroupArn=group)["solutions"]:
        versions = personalize.list_solution_versions(solutionArn=solution["solutionArn"])
        assert len(versions["solutionVersions"]) == 1, (solution["name"], versions)
