"""review_versions through the local service and a real Prefect API: a version trained outside
any flow (as automatic training does) is promoted when it passes the paired gate, and left
aside (tagged, skipped next time) when it fails, the campaign untouched."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from flows.retrain import retrain
from flows.review_versions import review_versions
from flows.run_state import run_result
from local.sample_data import SampleSize
from personalize_local.testing.helpers import run_import
from personalize_local.testing.training_setup import train
from tasks.holdout_data import trained_on
from tasks.prep.holdout import HoldoutSpec
from tasks.prep.pipeline import prepare
from tasks.version_review import REVIEW_TAG
from tests.flows.test_retrain_holdout import GATE, corrupted_history, serving
from tests.pipelines import Pipeline, make_pipeline

pytestmark = pytest.mark.slow


def import_and_train(personalize: Any, pipeline: Pipeline, raw_uri: str, run: str) -> str:
    """What a team with automatic training does: prepare (with the gate's holdout) and import
    an export, then Personalize trains a version on its own; that version's ARN."""
    config = pipeline.config
    dataset = config.datasets.interactions
    assert dataset.source is not None
    group = next(
        g["datasetGroupArn"]
        for g in personalize.list_dataset_groups()["datasetGroups"]
        if g["name"] == config.dataset_group.name
    )
    datasets = personalize.list_datasets(datasetGroupArn=group)["datasets"]
    interactions = next(
        d["datasetArn"] for d in datasets if d["datasetType"].upper() == "INTERACTIONS"
    )
    solution = next(s for s in config.solutions if s.campaign)
    assert solution.campaign is not None
    seen = trained_on.fn(config.aws, interactions, serving(personalize, solution.campaign.name))
    assert seen is not None
    prepared = prepare(
        dataset.source.model_copy(update={"uri": raw_uri}),
        dataset.cleaning,
        dataset.avro_schema,
        "interactions",
        f"s3://{config.bucket}/prepared/by-hand/{run}/",
        holdout=HoldoutSpec(days=7, max_users=5000, not_before=seen.end),
    )
    assert prepared.holdout is not None and prepared.holdout.rows > 0
    job = run_import(personalize, interactions, prepared.import_uri, f"by-hand-{run}")
    assert job["status"] == "ACTIVE", job
    arn = next(
        s["solutionArn"]
        for s in personalize.list_solutions(datasetGroupArn=group)["solutions"]
        if s["name"] == solution.name
    )
    version = train(personalize, arn)
    assert version["status"] == "ACTIVE", version
    return str(version["solutionVersionArn"])


def comparisons(costs: dict[str, Any]) -> list[dict[str, Any]]:
    """The gate comparison lines of a run's cost record."""
    return [line for line in costs["lines"] if line["item"] == "gate comparison"]


def test_review_promotes_a_passing_version_and_leaves_a_failing_one(
    prefect_api: None, local_service: Any, s3: Any, personalize: Any, tmp_path: Path, unique: str
) -> None:
    pipeline = make_pipeline(tmp_path, s3, unique, SampleSize(), gate=GATE)
    solution = next(s for s in pipeline.config.solutions if s.campaign)
    assert solution.campaign is not None
    campaign = solution.campaign.name
    first = retrain(
        config_path=pipeline.config_path, solutions=[solution.name], batch=False, return_state=True
    )
    assert first.is_completed(), first.message
    nothing = review_versions(config_path=pipeline.config_path, batch=False, return_state=True)
    assert nothing.is_completed() and run_result(nothing)["reviewed"] == []
    assert not comparisons(run_result(nothing)["costs"])

    # The serving version trained on the first 60 days: the holdouts below start at day 67.
    before = serving(personalize, campaign)
    bad = import_and_train(personalize, pipeline, corrupted_history(pipeline.config.bucket), "bad")
    data = yaml.safe_load(pipeline.path.read_text())
    data["budget"] = {"training_hours_per_month": 1000}
    pipeline.path.write_text(yaml.safe_dump(data, sort_keys=False))
    state = review_versions(config_path=pipeline.config_path, batch=False, return_state=True)
    assert state.is_failed() and "stopped by the gate" in state.message
    assert "holdout: lower bound" in state.message
    assert "training budget 1000 h: " in state.message  # a stopped review reports it too
    assert [(r["version"], r["outcome"]) for r in run_result(state)["reviewed"]] == [
        (bad, "stopped by the gate")
    ]
    assert serving(personalize, campaign) == before
    # The review's cost record bills its comparison jobs (the candidate's and the serving
    # version's, over the held-out users); the candidate's training was no run's: 0 here.
    costs = run_result(state)["costs"]
    (jobs,) = comparisons(costs)
    users = int(jobs["note"].removeprefix("2 jobs of ").removesuffix(" users").replace(",", ""))
    assert jobs["subject"] == solution.name and jobs["quantity"] == users * 2 / 1000 > 0
    trained = next(line for line in costs["lines"] if line["subject"] == bad)
    assert (trained["quantity"], trained["note"]) == (0.0, "trained before")
    tags = personalize.list_tags_for_resource(resourceArn=bad)["tags"]
    assert {"tagKey": REVIEW_TAG, "tagValue": "stopped"} in tags

    good = import_and_train(personalize, pipeline, pipeline.exports.all_interactions, "good")
    state = review_versions(config_path=pipeline.config_path, batch=False, return_state=True)
    assert state.is_completed(), state.message
    assert [(r["version"], r["outcome"]) for r in run_result(state)["reviewed"]] == [
        (good, "promoted")
    ]
    assert serving(personalize, campaign) == good
    again = review_versions(config_path=pipeline.config_path, batch=False, return_state=True)
    assert again.is_completed() and run_result(again)["reviewed"] == []
