"""Retraining end to end: real Prefect API, the local service over HTTP, real training.

One pipeline goes through the life of a deployment, in order: the first run deploys; a run on
broken data is stopped by the gate and the campaign keeps serving; a failed campaign update
is rolled back; batch inference on its own; teardown leaves nothing.
"""

from __future__ import annotations

import logging
from typing import Any

import pandas as pd
import pytest
from prefect import task
from prefect.client.orchestration import get_client
from prefect.flow_engine import run_flow

from flows.batch_inference import batch_inference
from flows.locks import lock_name
from flows.retrain import retrain
from flows.run_state import StoppedRun, run_result
from flows.teardown import teardown
from local.sample_data import SampleSize
from personalize_local.testing.helpers import arm_faults
from tasks.costs import saved_records
from tasks.recommendations import SmokeCheckFailed
from tasks.reporting import artifact_key
from tests.artifacts import latest_artifacts
from tests.pipelines import Pipeline, make_pipeline

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def pipeline(
    prefect_api: None, local_service: Any, tmp_path_factory: pytest.TempPathFactory
) -> Pipeline:
    import boto3

    return make_pipeline(tmp_path_factory.mktemp("e2e"), boto3.client("s3"), "e2e", SampleSize())


@pytest.fixture(scope="module")
def first_run(pipeline: Pipeline) -> dict[str, Any]:
    """The first retraining run: trains both solutions, creates the campaign."""
    state = retrain(config_path=pipeline.config_path, return_state=True)
    assert state.is_completed(), state.message
    return state.result()


def gated(pipeline: Pipeline) -> Any:
    return next(s for s in pipeline.config.solutions if s.campaign)


def serving(personalize: Any, pipeline: Pipeline) -> str:
    name = gated(pipeline).campaign.name
    campaign = next(c for c in personalize.list_campaigns()["campaigns"] if c["name"] == name)
    return personalize.describe_campaign(campaignArn=campaign["campaignArn"])["campaign"][
        "solutionVersionArn"
    ]


def record(result: dict[str, Any], solution: str) -> dict[str, Any]:
    return next(s for s in result["solutions"] if s["solution"] == solution)


def test_first_run_deploys(first_run: dict[str, Any], pipeline: Pipeline, personalize: Any) -> None:
    solution = gated(pipeline)
    mine = record(first_run, solution.name)
    assert mine["gate"]["passed"]
    assert mine["outcome"] == "promoted"
    assert mine["promotion"]["outcome"] == "created"
    assert mine["campaign"]["solutionVersionArn"] == mine["solution_version"]
    assert all(mine["promotion"]["sample"].values()), "every sampled user got items"
    assert serving(personalize, pipeline) == mine["solution_version"]
    assert {d["dataset_type"] for d in first_run["data"]} == {"interactions", "items"}
    assert all(d["import_etag"] for d in first_run["data"])
    batch = pd.read_parquet(mine["batch"]["parquet"])
    assert list(batch.columns) == ["user", "rank", "item", "score"]
    assert mine["batch"]["empty_results"] == 0
    assert 0 < mine["batch"]["catalogue_coverage"] <= 1
    progress = artifact_key("wait-solution-version", solution.name)
    latest = latest_artifacts(f"gate-{solution.name}", progress, "lineage-dg-e2e")
    assert f"gate-{solution.name}" in latest
    # Progress artifacts are keyed by kind and solution, not by job: a run adds no new keys.
    assert progress in latest
    version_id = mine["solution_version"].rsplit("/", 1)[-1]
    assert not latest_artifacts(containing=version_id)
    lineage = str(latest["lineage-dg-e2e"].data)
    for linked in (
        first_run["data"][0]["source_etag"],
        first_run["data"][0]["import_etag"],
        first_run["data"][0]["import_job"],
        mine["solution_version"],
        mine["batch"]["parquet"],
    ):
        assert linked in lineage
    assert "promotion: **created**" in lineage
    # Issue 23: "(before: `None`)" on a new campaign, and link texts in backticks.
    assert "(a new campaign: nothing before)" in lineage and "`None`" not in lineage
    assert "[`" not in lineage
    # The cost record bills the batch job's users, and the lineage shows the record's total.
    costs = first_run["costs"]
    (billed,) = [line for line in costs["lines"] if line["item"] == "batch inference"]
    assert billed["subject"] == mine["batch"]["job"]
    assert billed["quantity"] == mine["batch"]["users_requested"] / 1000
    assert f"Estimated cost of this run: **${costs['total']:.2f}**" in lineage


def test_worse_data_is_stopped_by_the_gate(
    first_run: dict[str, Any],
    pipeline: Pipeline,
    personalize: Any,
    caplog: pytest.LogCaptureFixture,
) -> None:
    before = serving(personalize, pipeline)
    engine_log = logging.getLogger("prefect.flow_runs")
    parameters = {
        "config_path": pipeline.config_path,
        "interactions_uri": pipeline.exports.broken_interactions,
        "import_mode": None,
        "solutions": None,
        "require_approval": False,
        "batch": True,
    }
    # A worker runs the flow this way and logs what leaves it (issue 16, bug 5: a gate stop
    # logged "TypeError: ... dict cannot be resolved into an exception" with a traceback).
    with caplog.at_level(logging.ERROR, "prefect.flow_runs"), pytest.raises(StoppedRun) as raised:
        run_flow(retrain, parameters=parameters, error_logger=engine_log)
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR], caplog.text
    assert str(raised.value).startswith("stopped by the gate")
    mine = record(raised.value.result, gated(pipeline).name)
    assert not mine["gate"]["passed"]
    assert mine["outcome"] == "stopped by the gate"
    assert mine["promotion"] is None
    assert serving(personalize, pipeline) == before

    # Both verdicts are in the solution's metrics history, which the lineage links.
    solution = gated(pipeline).name
    latest = latest_artifacts(f"metrics-history-{solution}", "lineage-dg-e2e")
    history = str(latest[f"metrics-history-{solution}"].data)
    assert "data:image/svg+xml;base64," in history
    promoted = record(first_run, solution)["solution_version"].rsplit("/", 1)[-1]
    stopped = mine["solution_version"].rsplit("/", 1)[-1]
    rows = {line.split("`")[1]: line for line in history.splitlines() if line.count("`") == 2}
    assert rows[promoted].endswith("| passed | promoted |")
    assert rows[stopped].endswith("| stopped | stopped by the gate |")
    assert f"metrics-history-{solution}" in str(latest["lineage-dg-e2e"].data)


def test_failed_update_rolls_back(
    first_run: dict[str, Any], pipeline: Pipeline, personalize: Any, local_service: Any
) -> None:
    before = serving(personalize, pipeline)
    arm_faults(local_service, {"fail_next": {"campaign": "Simulated deployment failure"}})
    state = retrain(
        config_path=pipeline.config_path,
        interactions_uri=pipeline.exports.all_interactions,
        batch=False,
        return_state=True,
    )
    assert state.is_failed()
    assert "Simulated deployment failure" in state.message
    assert f"rolled back to {before}" in state.message
    mine = record(run_result(state), gated(pipeline).name)
    assert mine["outcome"] == "promotion failed"
    assert mine["promotion"]["outcome"] == "rolled back"
    assert serving(personalize, pipeline) == before


def test_failed_smoke_check_rolls_back(
    first_run: dict[str, Any],
    pipeline: Pipeline,
    personalize: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    before = serving(personalize, pipeline)

    @task
    def empty_answers(aws: Any, campaign_arn: str, user_ids: Any) -> None:
        raise SmokeCheckFailed(f"{campaign_arn} returned no items for 5 of 5 sampled user(s)")

    monkeypatch.setattr("flows.promote.smoke_check", empty_answers)
    state = retrain(
        config_path=pipeline.config_path,
        interactions_uri=pipeline.exports.all_interactions,
        batch=False,
        return_state=True,
    )
    assert state.is_failed()
    assert "returned no items" in state.message
    mine = record(run_result(state), gated(pipeline).name)
    assert mine["promotion"]["outcome"] == "rolled back"
    assert mine["solution_version"] != before, "the new version was deployed, then rolled back"
    assert serving(personalize, pipeline) == before


def test_batch_inference_for_active_users(first_run: dict[str, Any], pipeline: Pipeline) -> None:
    result = batch_inference(config_path=pipeline.config_path, active_days=3)
    everyone = record(first_run, gated(pipeline).name)["batch"]["users_requested"]
    assert 0 < result["users_requested"] < everyone
    table = pd.read_parquet(result["parquet"])
    assert table["user"].nunique() == result["users"]
    # The flow keeps a cost record of its own: the job's users.
    kept = saved_records(pipeline.config.bucket, pipeline.config.dataset_group.name)
    billed = [line for r in kept for line in r["lines"] if line["subject"] == result["job"]]
    assert [(line["item"], line["quantity"]) for line in billed] == [
        ("batch inference", result["users_requested"] / 1000)
    ]


def test_teardown_leaves_nothing(
    first_run: dict[str, Any], pipeline: Pipeline, personalize: Any
) -> None:
    deleted = teardown(config_path=pipeline.config_path, confirm=pipeline.config.dataset_group.name)
    assert any("campaign/" in arn for arn in deleted)
    groups = {g["name"] for g in personalize.list_dataset_groups()["datasetGroups"]}
    assert "dg-e2e" not in groups
    campaigns = {c["name"] for c in personalize.list_campaigns()["campaigns"]}
    assert gated(pipeline).campaign.name not in campaigns
    schemas = {s["name"] for s in personalize.list_schemas()["schemas"]}
    assert not {n for n in schemas if n.startswith("dg-e2e")}
    filters = {f["name"] for f in personalize.list_filters()["Filters"]}
    assert not {f.name for f in pipeline.config.filters} & filters
    with get_client(sync_client=True) as client:
        locks = {limit.name for limit in client.read_global_concurrency_limits(limit=200)}
    assert not {lock_name(s.name) for s in pipeline.config.solutions} & locks
    assert (
        teardown(config_path=pipeline.config_path, confirm=pipeline.config.dataset_group.name) == []
    )
