"""Solutions: ``ensure_solution`` creates a solution (recipe + settings) once.

Solutions are created with ``performAutoTraining`` off: the pipeline decides when to train.
"""

from __future__ import annotations

from typing import Any

from tasks.aws import AwsSettings, client
from tasks.errors import call
from tasks.resources import Lookup, ensure
from tasks.retries import personalize_task

FIX = "A solution's recipe and settings cannot change: give it a new name or tear it down."


@personalize_task()
def ensure_solution(
    aws: AwsSettings,
    dataset_group_arn: str,
    name: str,
    recipe_arn: str,
    event_type: str | None = None,
    solution_config: dict[str, Any] | None = None,
    perform_hpo: bool = False,
) -> str:
    """The ARN of the ACTIVE solution ``name``; a different recipe or setting stops the run."""
    personalize = client(aws, "personalize")
    settings: dict[str, Any] = {"recipeArn": recipe_arn, "performHPO": perform_hpo}
    if event_type:
        settings["eventType"] = event_type
    if solution_config:
        settings["solutionConfig"] = solution_config

    def create() -> str:
        response = call(
            personalize,
            "create_solution",
            f"solution {name}",
            name=name,
            datasetGroupArn=dataset_group_arn,
            performAutoTraining=False,
            **settings,
        )
        return str(response["solutionArn"])

    configured = {**settings, "eventType": event_type}
    if solution_config:
        configured["solutionConfig"] = _drift_view(solution_config)
    arn, _ = ensure(
        personalize,
        "solution",
        name,
        Lookup("list_solutions", "solutions", {"datasetGroupArn": dataset_group_arn}),
        create,
        configured,
        fix=FIX,
    )
    return arn


def _drift_view(solution_config: dict[str, Any]) -> dict[str, Any]:
    """The configured solutionConfig as compared with the live one (values as strings)."""
    view = dict(solution_config)
    if "algorithmHyperParameters" in view:
        params = view["algorithmHyperParameters"]
        view["algorithmHyperParameters"] = {k: str(v) for k, v in params.items()}
    return view
