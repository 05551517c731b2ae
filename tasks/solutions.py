"""Solutions: ``ensure_solution`` creates a solution (recipe + settings) once.

``performAutoTraining`` is always given, because AWS's default is true (a new version, billed
as a training, every 7 days): it is on only when the configuration's solution asks for it
(``auto_training_days``, sent as ``solutionConfig.autoTrainingConfig``); otherwise the pipeline
alone decides when to train.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from tasks.aws import AwsSettings, client
from tasks.dataset_groups import group_key
from tasks.desired import Desired
from tasks.errors import translated
from tasks.resources import Wanted, ensure
from tasks.retries import personalize_task

if TYPE_CHECKING:
    from tasks.config import PipelineConfig, SolutionConfig

FIX = "A solution's recipe and settings cannot change: give it a new name or tear it down."


def solution_settings(
    recipe_arn: str,
    event_type: str | None = None,
    solution_config: dict[str, Any] | None = None,
    perform_hpo: bool = False,
) -> dict[str, Any]:
    """The CreateSolution settings of a configured solution."""
    settings: dict[str, Any] = {
        "recipeArn": recipe_arn,
        "performHPO": perform_hpo,
        "performAutoTraining": "autoTrainingConfig" in (solution_config or {}),
    }
    if event_type:
        settings["eventType"] = event_type
    if solution_config:
        settings["solutionConfig"] = solution_config
    return settings


def wanted_solution(
    dataset_group_arn: str,
    name: str,
    recipe_arn: str,
    event_type: str | None = None,
    solution_config: dict[str, Any] | None = None,
    perform_hpo: bool = False,
) -> Wanted:
    """The solution as configured, compared as AWS describes it (hyperparameters as strings,
    and no event type meaning none)."""
    compared = {
        **solution_settings(recipe_arn, event_type, solution_config, perform_hpo),
        "eventType": event_type,
    }
    if solution_config:
        compared["solutionConfig"] = _drift_view(solution_config)
    return Wanted("solution", name, compared, dataset_group_arn)


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
    wanted = wanted_solution(
        dataset_group_arn, name, recipe_arn, event_type, solution_config, perform_hpo
    )

    def create() -> str:
        with translated(wanted.label):
            response = personalize.create_solution(
                name=name,
                datasetGroupArn=dataset_group_arn,
                **solution_settings(recipe_arn, event_type, solution_config, perform_hpo),
            )
        return str(response["solutionArn"])

    arn, _ = ensure(personalize, wanted, create, fix=FIX)
    return arn


def _drift_view(solution_config: dict[str, Any]) -> dict[str, Any]:
    """The configured solutionConfig as compared with the live one (values as strings; the
    automatic training schedule, which UpdateSolution can change, left out)."""
    view = dict(solution_config)
    view.pop("autoTrainingConfig", None)
    if "algorithmHyperParameters" in view:
        params = view["algorithmHyperParameters"]
        view["algorithmHyperParameters"] = {k: str(v) for k, v in params.items()}
    return view


def desired_solutions(config: PipelineConfig) -> Iterator[Desired]:
    """The configured solutions, in the dataset group; ensured in parallel (each ``ensure``
    is a future)."""
    for solution in config.solutions:
        yield _desired_solution(config, solution)


def _desired_solution(config: PipelineConfig, s: SolutionConfig) -> Desired:
    group = group_key(config)
    settings = (s.recipe_arn, s.event_type, s.solution_config(), s.perform_hpo)
    return Desired(
        "solution",
        s.name,
        lambda arns: wanted_solution(arns[group], s.name, *settings),
        parent=group,
        ensure=lambda arns: ensure_solution.submit(config.aws, arns[group], s.name, *settings),
        slot=("solutions", s.name),
    )
