"""CreateSolutionVersion, DescribeSolutionVersion, ListSolutionVersions,
StopSolutionVersionCreation, GetSolutionMetrics, the training job itself, and the versions
automatic training creates (:mod:`personalize_local.auto_training` says when; noticed when the solution
or its versions are read, as recommenders' weekly retraining is).
"""

from __future__ import annotations

import threading
import time
import uuid
from typing import Any, cast

from personalize_local import auto_training
from personalize_local.actions import RECIPE_TYPE as NEXT_BEST_ACTION
from personalize_local.actions import action_group
from personalize_local.engine.data import INTERACTION_TYPES, data_stamp, load_group, select
from personalize_local.engine.metrics import version_seed
from personalize_local.engine.model_files import save_model
from personalize_local.engine.training import TrainingError, train
from personalize_local.engine.tuning import tune
from personalize_local.errors import InvalidInputException, ResourceInUseException
from personalize_local.jobs import Job, JobFailed, Work
from personalize_local.kinds import SOLUTION, SOLUTION_VERSION
from personalize_local.ops import Handler
from personalize_local.recipe_catalogue import recipe_of
from personalize_local.records import Solution, SolutionVersion
from personalize_local.resources import create_tags, find, listed, page, require, require_active
from personalize_local.service import Call, Service

COPIED = (
    "recipeArn",
    "datasetGroupArn",
    "eventType",
    "solutionConfig",
    "performHPO",
    "performAutoML",
    "performIncrementalUpdate",
)
_AUTO_LOCK = threading.Lock()
VERSION_KIND = SOLUTION_VERSION


def create_solution_version(service: Service, call: Call) -> dict[str, Any]:
    p = call.params
    solution = require_active(service, SOLUTION, p["solutionArn"])
    mode = p.get("trainingMode", "FULL")
    versions = listed(service, VERSION_KIND, parent=solution["solutionArn"])
    _check_mode(solution, mode, versions)
    _check_idle(solution, versions)
    tags = create_tags(p)
    arn = start_version(service, solution, mode, "MANUAL", p.get("name"))
    service.store.set_tags(arn, tags)
    return {"solutionVersionArn": arn}


def start_version(
    service: Service, solution: Solution, mode: str, training_type: str, name: str | None
) -> str:
    """Store a new version in CREATE PENDING and start its training; its ARN."""
    arn = f"{solution['solutionArn']}/{uuid.uuid4().hex[:8]}"
    members = cast(dict[str, Any], solution)
    body = {
        "solutionVersionArn": arn,
        "solutionArn": solution["solutionArn"],
        **{k: members[k] for k in COPIED if k in members},
        "trainingMode": mode,
        "trainingType": training_type,
        "status": "CREATE PENDING",
        "_interactions": _interactions_stamp(service, solution["datasetGroupArn"]),
        **({"name": name} if name else {}),
    }
    record = cast(SolutionVersion, body)  # with the solution's members it copies (COPIED)
    service.store.create(arn, VERSION_KIND.name, record, parent=solution["solutionArn"])
    service.lifecycle.begin(arn)
    return arn


def _check_idle(solution: Solution, versions: list[SolutionVersion]) -> None:
    for version in versions:
        if VERSION_KIND.in_flight(version["status"]):
            raise ResourceInUseException(
                f"The solution {solution['solutionArn']} is already training "
                f"{version['solutionVersionArn']} ({version['status']}); wait for it or stop it."
            )


def _interactions_stamp(service: Service, group_arn: str) -> list[float]:
    return list(data_stamp(service, group_arn, INTERACTION_TYPES))


def train_if_due(service: Service, solution: Solution) -> None:
    """Start the automatic training whose slot has begun, if its rules let it run.

    The version shows ``trainingType`` AUTOMATIC (botocore's TrainingType) and ``trainingMode``
    AUTOTRAIN (the TrainingMode value Personalize added with automatic training).
    """
    latency = service.settings.latency
    slot = auto_training.due_slot(solution, time.time(), latency)
    if slot is None:
        return
    arn = solution["solutionArn"]
    with _AUTO_LOCK:
        current = find(service, SOLUTION, arn)
        if current is None:
            return
        done = {"since": auto_training.started_at(current), "slot": slot}
        last = current.get("_autoTraining") or {}
        if last.get("since") == done["since"] and last.get("slot", -1) >= slot:
            return
        service.store.update(arn, {"_autoTraining": done})
        versions = listed(service, VERSION_KIND, parent=arn)
        if slot == 0 and auto_training.skips_first(current, versions, latency):
            return
        if any(VERSION_KIND.in_flight(v["status"]) for v in versions):
            return
        stamp = _interactions_stamp(service, current["datasetGroupArn"])
        if versions and versions[-1].get("_interactions") == stamp:
            return  # no interaction data imported or sent since the last training
        start_version(service, current, "AUTOTRAIN", "AUTOMATIC", None)


def _check_mode(solution: Solution, mode: str, versions: list[SolutionVersion]) -> None:
    """Personalize's rules: UPDATE needs a recipe that allows it and an ACTIVE FULL version."""
    if mode == "AUTOTRAIN":
        raise InvalidInputException(
            "trainingMode AUTOTRAIN is used by automatic training only; use FULL or UPDATE."
        )
    if mode != "UPDATE":
        return
    found = recipe_of(solution["recipeArn"])
    if not found.allows_update:
        raise InvalidInputException(
            f"trainingMode UPDATE is not supported by the recipe {found.name}; only "
            "aws-user-personalization allows it. Use FULL."
        )
    if not any(v["status"] == "ACTIVE" and v["trainingMode"] == "FULL" for v in versions):
        raise InvalidInputException(
            f"trainingMode UPDATE needs an ACTIVE solution version of {solution['solutionArn']} "
            "trained with FULL; train one with FULL first."
        )


def list_solution_versions(service: Service, call: Call) -> dict[str, Any]:
    solution = call.params.get("solutionArn")
    if solution:
        train_if_due(service, require(service, SOLUTION, solution))
    versions = listed(service, VERSION_KIND, parent=solution)
    return page(versions, call.params, "solutionVersions")


def stop_solution_version_creation(service: Service, call: Call) -> dict[str, Any]:
    arn = call.params["solutionVersionArn"]
    version = require(service, VERSION_KIND, arn)
    if version["status"] not in ("CREATE PENDING", "CREATE IN_PROGRESS"):
        raise ResourceInUseException(
            f"The solution version {arn} is in {version['status']} status; only a version in "
            "CREATE PENDING or CREATE IN_PROGRESS can be stopped."
        )
    # StopSolutionVersionCreation's documentation: CREATE_PENDING > CREATE_STOPPED, or
    # CREATE_IN_PROGRESS > CREATE_STOPPING > CREATE_STOPPED.
    pending = version["status"] == "CREATE PENDING"
    service.store.update(arn, {"status": "CREATE STOPPED" if pending else "CREATE STOPPING"})
    return {}


def get_solution_metrics(service: Service, call: Call) -> dict[str, Any]:
    arn = call.params["solutionVersionArn"]
    version = require_active(service, VERSION_KIND, arn)
    return {"solutionVersionArn": arn, "metrics": version.get("metrics", {})}


def _train(job: Job) -> dict[str, Any] | None:
    """Fit the recipe's model on the group's interactions; keep the model and its metrics."""
    version = job.record(VERSION_KIND)
    started = time.monotonic()
    found = recipe_of(version["recipeArn"])
    config = version.get("solutionConfig", {})
    threshold = config.get("eventValueThreshold")
    if found.recipe_type == NEXT_BEST_ACTION:
        group = action_group(job.service, version["datasetGroupArn"])
    else:
        group = load_group(job.service, version["datasetGroupArn"])
    rows = select(
        group.interactions,
        version.get("eventType"),
        float(threshold) if threshold is not None else None,
    )
    hyperparameters = {
        **found.hyperparameters,
        **config.get("featureTransformationParameters", {}),
        **config.get("algorithmHyperParameters", {}),
    }
    hpo = config.get("hpoConfig") if version.get("performHPO") else None
    tuned_params: dict[str, Any] = {}
    try:
        if hpo is not None:
            tuned = tune(found.model, rows, group.catalogue(), hyperparameters, hpo,
                         job.stop_requested, seed=version_seed(job.arn))  # fmt: skip
            trained = tuned.trained if tuned else None
            if tuned:
                tuned_params = {
                    "tunedHPOParams": {"algorithmHyperParameters": tuned.hyperparameters}
                }
        else:
            trained = train(found.model, rows, group.catalogue(), hyperparameters,
                            job.stop_requested, seed=version_seed(job.arn))  # fmt: skip
    except (TrainingError, ValueError) as error:
        raise JobFailed(str(error)) from None
    if trained is None:
        return None
    save_model(job.service, job.arn, trained.model)
    return {
        "metrics": trained.metrics,
        "trainingHours": training_hours(time.monotonic() - started, job.service.settings.latency),
        **tuned_params,
    }


def training_hours(fit_seconds: float, latency: float) -> float:
    """The ``trainingHours`` a version reports: its job's time on the scaled clock, in hours.

    AWS reports the hours it bills (docs/aws-facts.md#training-hours); the local job lasts the
    typical training scaled by ``--latency``, or longer when the fit takes longer, so the scaled
    hours are at least the typical hour. With ``--latency instant`` there is no clock to scale
    and a version reports the typical hour (the local rule).
    """
    typical = VERSION_KIND.seconds("CREATE")
    if latency <= 0:
        return round(typical / 3600, 6)
    return round(max(fit_seconds / latency, typical) / 3600, 6)


HANDLERS: dict[str, Handler] = {
    "CreateSolutionVersion": create_solution_version,
    "ListSolutionVersions": list_solution_versions,
    "StopSolutionVersionCreation": stop_solution_version_creation,
    "GetSolutionMetrics": get_solution_metrics,
}
JOBS: dict[tuple[str, str], Work] = {
    (VERSION_KIND.name, "CREATE"): _train,
}
