"""Pre-create checks (tasks/preflight.py) through provision, its plan and retrain, on the local
service: bad recipes, filter expressions and hyperparameters stop provisioning before anything
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
from tasks.preflight import PreflightError, hyperparameter_problem
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


def test_bad_recipe_filter_and_hyperparameter_stop_provision_before_any_create(
    prefect_api: None, local_service: Any, s3: Any, personalize: Any, tmp_path: Path, unique: str
) -> None:
    pipeline = make_pipeline(tmp_path, s3, unique)
    data = yaml.safe_load(pipeline.path.read_text())
    data["solutions"][0]["recipe"] = "aws-user-personalization"
    data["solutions"][0]["hyperparameters"] = {"hidden_dimension": 1000}
    data["solutions"][1]["recipe"] = "aws-popularity-cnt"
    data["filters"][0]["expression"] = 'EXCLUDE ItemID WHERE Interactions.EVENT_TYPE IN ("x"'
    pipeline.path.write_text(yaml.safe_dump(data))

    planned = provision(config_path=pipeline.config_path, plan=True)
    problems = "\n".join(planned["problems"])
    assert len(planned["problems"]) == 3, problems
    assert (
        "hidden_dimension: 1000 is outside the range aws-user-personalization allows: 32 to 256"
        in problems
    )
    assert "'aws-popularity-cnt' is not a recipe Personalize lists" in problems
    assert "aws-popularity-count" in problems  # the fix lists the recipes to choose from
    assert f"filters[{data['filters'][0]['name']}].expression" in problems

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
