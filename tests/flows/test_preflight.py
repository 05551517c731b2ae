"""Pre-create checks (tasks/preflight.py) through provision, its plan and retrain, on the local
service: bad recipes and hyperparameters stop provisioning before anything
is created (issue 16's rough edge, issue 10 item 9); a campaign syncing itself to $LATEST stops
provision and retrain (issue 10 item 3)."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
import yaml

from flows.provision import provision
from flows.retrain import retrain
from tasks.preflight import PreflightError, hpo_range_problem, hyperparameter_problem
from tests.pipelines import make_pipeline

ALGORITHM = {
    "defaultHyperParameters": {"hidden_dimension": "149", "recency_mask": "true", "extra": "1"},
    "defaultHyperParameterRanges": {
        "integerHyperParameterRanges": [
            {"name": "hidden_dimension", "minValue": 32, "maxValue": 256}
        ],
        "categoricalHyperParameterRanges": [{"name": "recency_mask", "values": ["true", "false"]}],
    },
}


@pytest.mark.parametrize(
    ("name", "value", "problem"),
    [
        ("hidden_dimension", "64", ""),
        ("hidden_dimension", "1000", "1000 is outside the range r allows: 32 to 256."),
        ("hidden_dimension", "wide", "'wide' is not an integer; r allows 32 to 256."),
        ("recency_mask", "False", ""),
        ("recency_mask", "maybe", "'maybe' is not one of the values r allows: true, false."),
        ("extra", "2", ""),
        ("hiden_dimension", "64", "r has no hyperparameter 'hiden_dimension' (it has: extra, "
                                  "hidden_dimension, recency_mask)."),
    ],
)  # fmt: skip
def test_hyperparameters_are_checked_against_describe_algorithm(
    name: str, value: str, problem: str
) -> None:
    assert hyperparameter_problem(ALGORITHM, "r", name, value) == problem


TUNABLE = {
    "defaultHyperParameterRanges": {
        "integerHyperParameterRanges": [
            {"name": "hidden_dimension", "minValue": 32, "maxValue": 256, "isTunable": True},
            {"name": "fixed", "minValue": 0, "maxValue": 9, "isTunable": False},
        ],
        "categoricalHyperParameterRanges": [
            {"name": "recency_mask", "values": ["true", "false"], "isTunable": True}
        ],
    },
}


@pytest.mark.parametrize(
    ("kind", "spec", "problem"),
    [
        ("integer", {"name": "hidden_dimension", "minValue": 40, "maxValue": 200}, ""),
        ("integer", {"name": "hidden_dimension", "minValue": 8, "maxValue": 200},
         "8 to 200 is outside the range r allows: 32 to 256."),
        ("integer", {"name": "hidden_dimension", "minValue": 90, "maxValue": 50},
         "give minValue <= maxValue (got 90 to 50)."),
        ("integer", {"name": "fixed", "minValue": 1, "maxValue": 2},
         "fixed is not tunable for r (DescribeAlgorithm: isTunable false)."),
        ("continuous", {"name": "hidden_dimension", "minValue": 40, "maxValue": 50},
         "r has no continuous hyperparameter 'hidden_dimension' to tune."),
        ("categorical", {"name": "recency_mask", "values": ["true", "maybe"]},
         "maybe not among the values r allows: true, false."),
    ],
)  # fmt: skip
def test_hpo_ranges_are_checked_against_describe_algorithm(
    kind: str, spec: dict[str, Any], problem: str
) -> None:
    # DescribeAlgorithm's defaultHyperParameterRanges carry isTunable (botocore's
    # DefaultIntegerHyperParameterRange and the others).
    assert hpo_range_problem(TUNABLE, "r", kind, spec) == problem


@pytest.mark.slow
def test_bad_recipe_and_hyperparameter_stop_provision_before_any_create(
    prefect_api: None, local_service: Any, s3: Any, personalize: Any, tmp_path: Path, unique: str
) -> None:
    pipeline = make_pipeline(tmp_path, s3, unique)
    data = yaml.safe_load(pipeline.path.read_text())
    data["solutions"][0]["recipe"] = "aws-user-personalization"
    data["solutions"][0]["hyperparameters"] = {"hidden_dimension": 1000}
    data["solutions"][0]["perform_hpo"] = True
    data["solutions"][0]["hpo_config"] = {
        "algorithmHyperParameterRanges": {
            "integerHyperParameterRanges": [{"name": "bptt", "minValue": 1, "maxValue": 8}]
        }
    }
    data["solutions"][1]["recipe"] = "aws-popularity-cnt"
    pipeline.path.write_text(yaml.safe_dump(data))

    planned = provision(config_path=pipeline.config_path, plan=True)
    problems = "\n".join(planned["problems"])
    assert len(planned["problems"]) == 3, problems
    assert (
        "hpo_config.bptt: 1 to 8 is outside the range aws-user-personalization allows" in problems
    )
    assert (
        "hidden_dimension: 1000 is outside the range aws-user-personalization allows: 32 to 256"
        in problems
    )
    assert "'aws-popularity-cnt' is not a recipe Personalize lists" in problems
    assert "aws-popularity-count" in problems  # the fix lists the recipes to choose from

    with pytest.raises(PreflightError, match="3 problem"):
        provision(config_path=pipeline.config_path)
    groups = personalize.list_dataset_groups()["datasetGroups"]
    assert f"dg-{unique}" not in {g["name"] for g in groups}, "nothing was created"


@pytest.mark.slow
def test_a_campaign_syncing_to_latest_stops_provision_and_retrain(
    prefect_api: None, local_service: Any, s3: Any, personalize: Any, tmp_path: Path, unique: str
) -> None:
    pipeline = make_pipeline(tmp_path, s3, unique)
    first = retrain(config_path=pipeline.config_path, batch=False, return_state=True)
    assert first.is_completed(), first.message
    gated = pipeline.config.solutions[0]
    assert gated.campaign is not None
    (campaign,) = [
        c for c in personalize.list_campaigns()["campaigns"] if c["name"] == gated.campaign.name
    ]
    serving = personalize.describe_campaign(campaignArn=campaign["campaignArn"])["campaign"]
    solution = serving["solutionVersionArn"].rsplit("/", 1)[0]
    # Someone turns on automatic updates (in the console, say).
    personalize.update_campaign(
        campaignArn=campaign["campaignArn"],
        solutionVersionArn=f"{solution}/$LATEST",
        campaignConfig={"syncWithLatestSolutionVersion": True},
    )
    _active(lambda: personalize.describe_campaign(campaignArn=campaign["campaignArn"])["campaign"][
        "latestCampaignUpdate"])  # fmt: skip
    trained = personalize.list_solution_versions(solutionArn=solution)["solutionVersions"]

    planned = provision(config_path=pipeline.config_path, plan=True)
    assert any("$LATEST" in problem for problem in planned["problems"]), planned["problems"]
    with pytest.raises(PreflightError, match="syncWithLatestSolutionVersion=false"):
        provision(config_path=pipeline.config_path)
    state = retrain(config_path=pipeline.config_path, batch=False, return_state=True)
    assert state.is_failed()
    assert "$LATEST" in str(state.message)
    versions = personalize.list_solution_versions(solutionArn=solution)["solutionVersions"]
    assert versions == trained, "retrain trained nothing"


def _active(describe: Any, timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while (status := describe()["status"]) != "ACTIVE":
        assert time.monotonic() < deadline and "FAILED" not in status, status
        time.sleep(0.05)


def test_a_source_in_a_bucket_that_does_not_exist_stops_before_any_create(
    prefect_api: None, local_service: Any, s3: Any, personalize: Any, tmp_path: Path, unique: str
) -> None:
    # Issue 23: "has no files: expected a file or a prefix of files", after provisioning.
    pipeline = make_pipeline(tmp_path, s3, unique)
    data = yaml.safe_load(pipeline.path.read_text())
    data["datasets"]["items"]["source"]["uri"] = f"s3://gone-{unique}/raw/items.parquet"
    pipeline.path.write_text(yaml.safe_dump(data))

    planned = provision(config_path=pipeline.config_path, plan=True)
    assert planned["problems"] == [
        f"datasets.items.source.uri s3://gone-{unique}/raw/items.parquet: the bucket "
        f"gone-{unique} does not exist. Check the bucket's name, or create it and put the "
        f"export there (aws s3 mb s3://gone-{unique})."
    ]
    with pytest.raises(PreflightError, match=f"the bucket gone-{unique} does not exist"):
        provision(config_path=pipeline.config_path)

    data["datasets"]["items"]["source"]["uri"] = pipeline.exports.items
    pipeline.path.write_text(yaml.safe_dump(data))
    missing = f"s3://gone-{unique}/raw/interactions.parquet"
    with pytest.raises(PreflightError, match=f"interactions_uri {missing}: the bucket"):
        retrain(config_path=pipeline.config_path, interactions_uri=missing, batch=False)
    groups = personalize.list_dataset_groups()["datasetGroups"]
    assert f"dg-{unique}" not in {g["name"] for g in groups}, "nothing was created"
