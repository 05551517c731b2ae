"""ensure_solution over HTTP: create once, rerun, recipe or hyperparameter drift stops the run."""

from __future__ import annotations

from typing import Any

import pytest

from tasks.aws import AwsSettings
from tasks.dataset_groups import ensure_dataset_group
from tasks.errors import DriftError
from tasks.solutions import ensure_solution

UP = "arn:aws:personalize:::recipe/aws-user-personalization-v2"
POP = "arn:aws:personalize:::recipe/aws-popularity-count"


def test_create_rerun_and_drift(aws: AwsSettings, personalize: Any, unique: str) -> None:
    group = ensure_dataset_group(aws, f"g-{unique}")
    config = {"algorithmHyperParameters": {"hidden_dimension": "64"}}
    arn = ensure_solution(aws, group, f"s-{unique}", UP, solution_config=config)
    solution = personalize.describe_solution(solutionArn=arn)["solution"]
    assert solution["status"] == "ACTIVE" and solution["recipeArn"] == UP
    assert solution["performAutoTraining"] is False  # the pipeline decides when to train

    assert ensure_solution(aws, group, f"s-{unique}", UP, solution_config=config) == arn
    listed = personalize.list_solutions(datasetGroupArn=group)["solutions"]
    assert [s["name"] for s in listed] == [f"s-{unique}"]

    with pytest.raises(DriftError, match=r"recipeArn: configured .*popularity"):
        ensure_solution(aws, group, f"s-{unique}", POP, solution_config=config)
    other = {"algorithmHyperParameters": {"hidden_dimension": "128"}}
    with pytest.raises(DriftError, match="solutionConfig"):
        ensure_solution(aws, group, f"s-{unique}", UP, solution_config=other)
