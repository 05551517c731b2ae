"""Recommenders in the pipeline, against the local service and a real Prefect API.

provision creates the domain dataset group and its recommender; retrain imports and then gates
the recommender's modelMetrics (floors, drop against the last good reading kept in S3) and
reacts as configured: alert (the run fails), stop (INACTIVE), roll the configuration back.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import fsspec
import pytest
import yaml

from flows.provision import provision
from flows.recommenders import readings_uri
from flows.retrain import retrain
from flows.run_state import run_result
from flows.teardown import teardown
from tests.artifacts import latest_artifacts
from tests.pipelines import Pipeline, make_pipeline

USE_CASE = "aws-ecomm-recommended-for-you"


def domain_pipeline(directory: Path, s3: Any, unique: str, **recommender: Any) -> Pipeline:
    """The demo pipeline as an ECOMMERCE dataset group with one recommender, no solutions."""
    pipeline = make_pipeline(directory, s3, unique)
    data = yaml.safe_load(pipeline.path.read_text())
    data["dataset_group"]["domain"] = "ECOMMERCE"
    del data["datasets"]["items"]  # the demo's items lack ECOMMERCE's PRICE and CATEGORY_L1
    data["solutions"], data["filters"] = [], []
    data.pop("event_tracker")
    data["recommenders"] = [{"name": f"for-you-{unique}", "recipe": USE_CASE, **recommender}]
    pipeline.path.write_text(yaml.safe_dump(data, sort_keys=False))
    return pipeline


def recommender_lines(costs: dict[str, Any]) -> list[dict[str, Any]]:
    """The recommender lines of a run's cost record."""
    return [line for line in costs["lines"] if line["item"] == "recommender"]


def set_gate(pipeline: Pipeline, **settings: Any) -> None:
    data = yaml.safe_load(pipeline.path.read_text())
    data["recommenders"][0].update(settings)
    pipeline.path.write_text(yaml.safe_dump(data, sort_keys=False))


def readings(pipeline: Pipeline) -> list[dict[str, Any]]:
    uri = readings_uri(pipeline.config, pipeline.config.recommenders[0].name)
    with fsspec.open(uri, "r") as source:
        return [json.loads(line) for line in source.read().splitlines()]


@pytest.mark.slow
def test_provision_then_retrain_gates_and_stops_a_degraded_recommender(
    prefect_api: None, local_service: Any, s3: Any, personalize: Any, tmp_path: Path, unique: str
) -> None:
    pipeline = domain_pipeline(
        tmp_path, s3, unique, gate={"min": {"precision_at_10": 0.01}}, on_degraded="stop"
    )
    created = provision(config_path=pipeline.config_path)
    assert created["recommenders"] == {}, "no data yet: the first retrain creates it"
    group = personalize.describe_dataset_group(datasetGroupArn=created["dataset_group"])
    assert group["datasetGroup"]["domain"] == "ECOMMERCE"

    before = time.monotonic()
    first = retrain(config_path=pipeline.config_path, batch=False, return_state=True)
    assert first.is_completed(), first.message
    # The cost record counts the requests the recommender's minimum bills; no price, no cost.
    (billed,) = recommender_lines(first.result()["costs"])
    assert billed["subject"] == f"for-you-{unique}" and billed["cost"] is None
    assert 0 < billed["quantity"] <= 3.6 * (time.monotonic() - before) / 3600  # 1 request/s
    assert "2,628 thousand requests a month even when idle" in billed["note"]  # 1 x 3600 x 730
    (check,) = first.result()["recommenders"]
    assert check["gate"]["passed"] and check["retrained_since_last_reading"] is None
    assert check["metrics"]["precision_at_10"] > 0.01
    arn = check["arn"]
    assert personalize.describe_recommender(recommenderArn=arn)["recommender"]["status"] == "ACTIVE"
    assert readings(pipeline)[0]["passed"] is True
    again = provision(config_path=pipeline.config_path)
    assert again["recommenders"] == {f"for-you-{unique}": arn}
    plan = provision(config_path=pipeline.config_path, plan=True)["plan"]
    assert {row["action"] for row in plan} == {"exists"}
    assert ("recommender", f"for-you-{unique}") in {(r["kind"], r["name"]) for r in plan}
    assert teardown(config_path=pipeline.config_path) == []
    name = pipeline.config.dataset_group.name
    rows = json.loads(str(latest_artifacts(f"teardown-{name}")[f"teardown-{name}"].data))
    saves = {row["arn"]: row["saves per month (USD)"] for row in rows}
    assert saves[arn] == "unpriced (1 request(s)/s minimum)"

    set_gate(pipeline, gate={"min": {"precision_at_10": 0.99}})
    second = retrain(config_path=pipeline.config_path, batch=False, return_state=True)
    assert second.is_failed()
    assert "degraded" in second.message and "precision_at_10" in second.message
    assert "stopped it" in second.message
    recommender = personalize.describe_recommender(recommenderArn=arn)["recommender"]
    assert recommender["status"] == "INACTIVE"
    assert [r["passed"] for r in readings(pipeline)] == [True, False]

    third = retrain(config_path=pipeline.config_path, batch=False, return_state=True)
    assert third.is_failed() and "INACTIVE" in third.message
    (stopped,) = recommender_lines(run_result(third)["costs"])
    assert (stopped["quantity"], stopped["note"]) == (0.0, "INACTIVE: not billed")

    deleted = teardown(config_path=pipeline.config_path, confirm=pipeline.config.dataset_group.name)
    assert arn in deleted and created["dataset_group"] in deleted


@pytest.mark.slow
def test_a_drop_against_the_last_good_reading_rolls_the_configuration_back(
    prefect_api: None, local_service: Any, s3: Any, personalize: Any, tmp_path: Path, unique: str
) -> None:
    pipeline = domain_pipeline(
        tmp_path,
        s3,
        unique,
        recommender_config={"minRecommendationRequestsPerSecond": 2},
        on_degraded="rollback",
    )
    data = yaml.safe_load(pipeline.path.read_text())
    data["costs"] = {"prices": {"recommender_per_thousand_requests": 0.15}}
    pipeline.path.write_text(yaml.safe_dump(data, sort_keys=False))
    first = retrain(config_path=pipeline.config_path, batch=False, return_state=True)
    assert first.is_completed(), first.message
    (billed,) = recommender_lines(first.result()["costs"])
    assert billed["cost"] == pytest.approx(billed["quantity"] * 0.15)
    assert "bills at least $788.40 a month even when idle" in billed["note"]  # 2 x 3.6 x 730 x .15
    arn = first.result()["recommenders"][0]["arn"]
    live = personalize.describe_recommender(recommenderArn=arn)["recommender"]
    assert live["recommenderConfig"]["minRecommendationRequestsPerSecond"] == 2
    # A good reading from when the recommender covered the whole catalogue, on 1 request/s.
    uri = readings_uri(pipeline.config, pipeline.config.recommenders[0].name)
    earlier = {
        "time": 1_700_000_000,
        "passed": True,
        "metrics": {**live["modelMetrics"], "coverage": 1.0},
        "recommenderConfig": {"minRecommendationRequestsPerSecond": 1},
    }
    with fsspec.open(uri, "w") as out:
        out.write(json.dumps(earlier) + "\n")
    set_gate(pipeline, gate={"max_drop": {"coverage": 0.01}})

    state = retrain(config_path=pipeline.config_path, batch=False, return_state=True)
    assert state.is_failed()
    assert "coverage" in state.message and "rolled its configuration back" in state.message
    live = personalize.describe_recommender(recommenderArn=arn)["recommender"]
    assert live["status"] == "ACTIVE"
    assert live["recommenderConfig"]["minRecommendationRequestsPerSecond"] == 1
