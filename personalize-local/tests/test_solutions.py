"""Solutions over HTTP: lifecycle, the checks on create, and the delete rules."""

from __future__ import annotations

from typing import Any

from personalize_local.testing.helpers import active_group, error_of, wait_gone
from personalize_local.testing.training_setup import active_solution, settled

RECIPE = "arn:aws:personalize:::recipe/aws-user-personalization-v2"


def test_solution_lifecycle(personalize: Any, unique: str) -> None:
    group = active_group(personalize, f"sol-{unique}")
    arn = active_solution(
        personalize,
        group,
        f"sol-{unique}",
        "aws-user-personalization-v2",
        eventType="click",
        solutionConfig={
            "eventValueThreshold": "0.5",
            "algorithmHyperParameters": {"hidden_dimension": "32"},
        },
    )
    solution = personalize.describe_solution(solutionArn=arn)["solution"]
    assert solution["recipeArn"] == RECIPE
    assert solution["eventType"] == "click"
    assert solution["solutionConfig"]["algorithmHyperParameters"] == {"hidden_dimension": "32"}
    listed = personalize.list_solutions(datasetGroupArn=group)["solutions"]
    assert [s["solutionArn"] for s in listed] == [arn]

    code, _ = error_of(personalize.delete_dataset_group, datasetGroupArn=group)
    assert code == "ResourceInUseException"

    personalize.delete_solution(solutionArn=arn)
    wait_gone(lambda: personalize.describe_solution(solutionArn=arn))
    assert personalize.list_solutions(datasetGroupArn=group)["solutions"] == []


def test_create_checks_recipe_and_config(personalize: Any, unique: str) -> None:
    group = active_group(personalize, f"solbad-{unique}")
    code, message = error_of(
        personalize.create_solution,
        name=f"a-{unique}",
        datasetGroupArn=group,
        recipeArn="arn:aws:personalize:::recipe/aws-unknown",
    )
    assert (code, "aws-unknown" in message) == ("ResourceNotFoundException", True)

    code, message = error_of(
        personalize.create_solution,
        name=f"b-{unique}",
        datasetGroupArn=group,
        recipeArn=RECIPE,
        solutionConfig={"eventValueThreshold": "high"},
    )
    assert code == "InvalidInputException"
    assert "eventValueThreshold" in message

    code, message = error_of(
        personalize.create_solution,
        name=f"h-{unique}",
        datasetGroupArn=group,
        recipeArn=RECIPE,
        solutionConfig={"algorithmHyperParameters": {"hidden_dimension": "wide"}},
    )
    assert code == "InvalidInputException"
    assert "hidden_dimension 'wide'" in message

    code, _ = error_of(
        personalize.create_solution, name=f"c-{unique}", datasetGroupArn=group, performAutoML=True
    )
    assert code == "InvalidInputException"
    assert personalize.list_solutions(datasetGroupArn=group)["solutions"] == []


def test_training_mode_rules(personalize: Any, unique: str) -> None:
    group = active_group(personalize, f"solmode-{unique}")
    v2 = active_solution(personalize, group, f"v2-{unique}", "aws-user-personalization-v2")
    code, message = error_of(
        personalize.create_solution_version, solutionArn=v2, trainingMode="UPDATE"
    )
    assert code == "InvalidInputException"
    assert "aws-user-personalization-v2" in message

    v1 = active_solution(personalize, group, f"v1-{unique}", "aws-user-personalization")
    code, message = error_of(
        personalize.create_solution_version, solutionArn=v1, trainingMode="UPDATE"
    )
    assert code == "InvalidInputException"
    assert "FULL" in message
    assert personalize.list_solution_versions(solutionArn=v1)["solutionVersions"] == []


def test_update_solution(personalize: Any, unique: str) -> None:
    group = active_group(personalize, f"solupd-{unique}")
    arn = active_solution(personalize, group, f"upd-{unique}", "aws-popularity-count")
    personalize.update_solution(solutionArn=arn, performAutoTraining=False)
    # UpdateSolution's documentation: CREATE PENDING > CREATE IN_PROGRESS > ACTIVE.
    update = settled(
        lambda: personalize.describe_solution(solutionArn=arn)["solution"]["latestSolutionUpdate"]
    )
    assert update["status"] == "ACTIVE"
    solution = personalize.describe_solution(solutionArn=arn)["solution"]
    assert solution["performAutoTraining"] is False
