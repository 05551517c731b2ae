"""CreateSolution, DescribeSolution, ListSolutions, UpdateSolution, DeleteSolution.

A solution is a recipe plus its configuration for one dataset group. ``performAutoTraining``
(default true, as on AWS) makes it train new versions on a schedule
(:mod:`personalize_local.auto_training`); ``performHPO`` tunes within ``hpoConfig``'s ranges
(:mod:`personalize_local.engine.tuning`).
"""

from __future__ import annotations

from typing import Any

from personalize_local import auto_training
from personalize_local.engine.fit import check_hyperparameters
from personalize_local.engine.model_files import forget_model
from personalize_local.engine.tuning import check_hpo_config
from personalize_local.errors import InvalidInputException, ResourceInUseException
from personalize_local.jobs import Job, Work
from personalize_local.kinds import CAMPAIGN, DATASET_GROUP, SOLUTION
from personalize_local.ops import Handler
from personalize_local.ops.solution_versions import VERSION_KIND, train_if_due
from personalize_local.recipe_catalogue import recipe_of
from personalize_local.records import Solution
from personalize_local.resources import (
    create_tags,
    delete_when_unused,
    listed,
    of_kind,
    require,
    require_active,
    start_create,
    start_update,
)
from personalize_local.service import Call, Service

KIND = SOLUTION


def create_solution(service: Service, call: Call) -> dict[str, Any]:
    p = call.params
    require_active(service, DATASET_GROUP, p["datasetGroupArn"])
    if p.get("performAutoML"):
        raise InvalidInputException(
            "performAutoML is not supported by the local service: name a recipeArn instead."
        )
    if "recipeArn" not in p:
        raise InvalidInputException("recipeArn is required (name one of ListRecipes' recipes).")
    recipe_of(p["recipeArn"])
    config = p.get("solutionConfig", {})
    _check_threshold(config)
    _check_hyperparameters(config)
    _check_schedule(config)
    _check_hpo(p.get("performHPO", False), config)
    tags = create_tags(p)
    arn = call.arn(f"solution/{p['name']}")
    body: Solution = {
        "name": p["name"],
        "solutionArn": arn,
        "recipeArn": p["recipeArn"],
        "datasetGroupArn": p["datasetGroupArn"],
        "performHPO": p.get("performHPO", False),
        "performAutoML": False,
        # CreateSolutionRequest.performAutoTraining (botocore): "The default is True".
        "performAutoTraining": p.get("performAutoTraining", True),
        "performIncrementalUpdate": p.get("performIncrementalUpdate", False),
        "solutionConfig": config,
        "status": "CREATE PENDING",
    }
    if "eventType" in p:
        body["eventType"] = p["eventType"]
    start_create(service, KIND, arn, body, tags, parent=p["datasetGroupArn"])
    return {"solutionArn": arn}


def describe_solution(service: Service, call: Call) -> dict[str, Any]:
    body = require(service, KIND, call.params["solutionArn"])
    train_if_due(service, body)
    versions = listed(service, VERSION_KIND, parent=body["solutionArn"])
    if versions:
        body["latestSolutionVersion"] = versions[-1]
    return {"solution": body}


def update_solution(service: Service, call: Call) -> dict[str, Any]:
    p = call.params
    arn = p["solutionArn"]
    require_active(service, KIND, arn)
    _check_schedule(p.get("solutionUpdateConfig", {}))
    members = ("performAutoTraining", "performIncrementalUpdate")
    # UpdateSolution's documentation: CREATE PENDING > CREATE IN_PROGRESS > ACTIVE -or-
    # CREATE FAILED, shown in latestSolutionUpdate; the solution takes the changes when ACTIVE.
    changes = {
        **{k: p[k] for k in members if k in p},
        "solutionUpdateConfig": p.get("solutionUpdateConfig", {}),
    }
    start_update(service, KIND, arn, changes, "UPDATE")
    return {"solutionArn": arn}


def _apply_update(job: Job) -> dict[str, Any]:
    """The solution's members as the update sets them (written when it turns ACTIVE)."""
    solution = job.record(KIND)
    update = solution["latestSolutionUpdate"]
    changes: dict[str, Any] = {
        k: update[k] for k in ("performAutoTraining", "performIncrementalUpdate") if k in update
    }
    config = update.get("solutionUpdateConfig", {}).get("autoTrainingConfig")
    if config:
        changes["solutionConfig"] = {
            **solution.get("solutionConfig", {}),
            "autoTrainingConfig": config,
        }
    return changes


def delete_solution(service: Service, call: Call) -> dict[str, Any]:
    arn = call.params["solutionArn"]
    require(service, KIND, arn)
    for campaign in listed(service, CAMPAIGN):
        used = {campaign.get("solutionVersionArn", "")}
        used.add(campaign.get("latestCampaignUpdate", {}).get("solutionVersionArn", ""))
        if any(version.startswith(arn + "/") for version in used):
            raise ResourceInUseException(
                f"Cannot delete solution {arn}: the campaign {campaign['campaignArn']} serves "
                "one of its solution versions. Delete the campaign first."
            )
    # botocore's DeleteSolution: refused while one of its versions is CREATE PENDING or IN
    # PROGRESS; its versions go with it.
    delete_when_unused(
        service, KIND, arn, first=(CAMPAIGN,), busy=of_kind(service, VERSION_KIND, arn)
    )
    return {}


def _delete_versions(job: Job) -> None:
    for version in listed(job.service, VERSION_KIND, parent=job.arn):
        forget_model(job.service, version["solutionVersionArn"])
        job.service.store.delete(version["solutionVersionArn"])


def _check_hyperparameters(config: dict[str, Any]) -> None:
    try:
        check_hyperparameters(config.get("algorithmHyperParameters", {}))
    except ValueError as error:
        raise InvalidInputException(f"solutionConfig.algorithmHyperParameters: {error}") from None


def _check_hpo(perform: bool, config: dict[str, Any]) -> None:
    if not perform:
        return
    try:
        check_hpo_config(config.get("hpoConfig") or {})
    except (ValueError, TypeError, KeyError) as error:
        raise InvalidInputException(f"solutionConfig.hpoConfig: {error}") from None


def _check_schedule(config: dict[str, Any]) -> None:
    try:
        auto_training.period_days(config)
    except ValueError as error:
        raise InvalidInputException(str(error)) from None


def _check_threshold(config: dict[str, Any]) -> None:
    threshold = config.get("eventValueThreshold")
    if threshold is None:
        return
    try:
        float(threshold)
    except ValueError:
        raise InvalidInputException(
            f"solutionConfig.eventValueThreshold {threshold!r} is not a number; "
            "give the minimum EVENT_VALUE to train on, e.g. '0.5'."
        ) from None


HANDLERS: dict[str, Handler] = {
    "CreateSolution": create_solution,
    "DescribeSolution": describe_solution,
    "UpdateSolution": update_solution,
    "DeleteSolution": delete_solution,
}
JOBS: dict[tuple[str, str], Work] = {
    (KIND.name, "DELETE"): _delete_versions,
    (KIND.name, "UPDATE"): _apply_update,
}
