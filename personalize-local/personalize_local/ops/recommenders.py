"""CreateRecommender, DescribeRecommender, ListRecommenders, UpdateRecommender,
StartRecommender, StopRecommender, DeleteRecommender, and the recommender's trainings.

1. A recommender is a domain use case (a domain recipe) trained on a domain dataset group:
   CREATE PENDING -> CREATE IN_PROGRESS -> ACTIVE (with ``modelMetrics``) | CREATE FAILED.
2. Stop and start: STOP PENDING -> STOP IN_PROGRESS -> INACTIVE, then START PENDING ->
   START IN_PROGRESS -> ACTIVE; an INACTIVE recommender answers no requests.
3. An update runs as ``latestRecommenderUpdate`` (CREATE PENDING -> CREATE IN_PROGRESS ->
   ACTIVE | CREATE FAILED, as the model documents); the recommender keeps its old
   configuration until then. A changed ``trainingDataConfig`` retrains it.
4. AWS retrains recommenders itself every 7 days; here every ``7 days x --latency`` (never with
   ``--latency instant``), noticed when the recommender is read (Describe, GetRecommendations).
   The status stays ACTIVE; ``modelMetrics`` and the model change when the retraining ends,
   and a failed retraining leaves the recommender serving its previous model.
"""

from __future__ import annotations

import threading
import time
import uuid
from typing import Any

import numpy as np
import pandas as pd

from personalize_local import exploration
from personalize_local.domain_recipes import DomainRecipe, domain_recipe
from personalize_local.engine.data import load_group
from personalize_local.engine.model_files import forget_model, load_model, save_model
from personalize_local.engine.training import MIN_INTERACTIONS, TrainingError, train
from personalize_local.errors import InvalidInputException, ResourceInUseException, not_found
from personalize_local.jobs import Job, JobFailed, Work
from personalize_local.kinds import DATASET_GROUP, RECOMMENDER
from personalize_local.ops import Handler
from personalize_local.records import Recommender
from personalize_local.resources import (
    create_tags,
    delete_unless_updating,
    find,
    in_flight,
    require,
    require_active,
    start_create,
    start_update,
    updating,
)
from personalize_local.service import Call, Service
from personalize_local.serving import Target
from personalize_local.stamped_cache import StampedCache

KIND = RECOMMENDER
RETRAIN_STATUS = "_retrain.status"
RETRAIN_EVERY_SECONDS = 7 * 86_400
_RETRAIN_LOCK = threading.Lock()
_TARGETS: StampedCache[tuple[Recommender, Target]] = StampedCache()


def create_recommender(service: Service, call: Call) -> dict[str, Any]:
    p = call.params
    group = require_active(service, DATASET_GROUP, p["datasetGroupArn"])
    use_case = _use_case(p["recipeArn"])
    if group.get("domain") != use_case.domain:
        raise InvalidInputException(
            f"The recipe {use_case.name} is a {use_case.domain} use case; the dataset group "
            f"{group['datasetGroupArn']} is "
            f"{'a ' + group['domain'] + ' domain' if group.get('domain') else 'a custom'} "
            f"dataset group. Create recommenders in a {use_case.domain} dataset group."
        )
    exploration.check(p.get("recommenderConfig", {}), use_case.name)
    tags = create_tags(p)
    arn = call.arn(f"recommender/{p['name']}")
    body: Recommender = {
        "name": p["name"],
        "recommenderArn": arn,
        "datasetGroupArn": group["datasetGroupArn"],
        "recipeArn": use_case.arn,
        "recommenderConfig": {"minRecommendationRequestsPerSecond": 1,
                              **p.get("recommenderConfig", {})},
        "status": "CREATE PENDING",
    }  # fmt: skip
    start_create(service, KIND, arn, body, tags, parent=group["datasetGroupArn"])
    return {"recommenderArn": arn}


def describe_recommender(service: Service, call: Call) -> dict[str, Any]:
    body = require(service, KIND, call.params["recommenderArn"])
    retrain_if_due(service, body)
    return {"recommender": body}


def update_recommender(service: Service, call: Call) -> dict[str, Any]:
    arn = call.params["recommenderArn"]
    body = require(service, KIND, arn)
    if body["status"] != "ACTIVE":
        raise ResourceInUseException(
            f"The recommender {arn} is in {body['status']} status; it can be updated only when "
            "ACTIVE."
        )
    config = {**body["recommenderConfig"], **call.params["recommenderConfig"]}
    exploration.check(config, _use_case(body["recipeArn"]).name)
    start_update(service, KIND, arn, {"recommenderConfig": config}, "CREATE")
    return {"recommenderArn": arn}


def stop_recommender(service: Service, call: Call) -> dict[str, Any]:
    return _transition(service, call.params["recommenderArn"], "ACTIVE", "STOP")


def start_recommender(service: Service, call: Call) -> dict[str, Any]:
    return _transition(service, call.params["recommenderArn"], "INACTIVE", "START")


def delete_recommender(service: Service, call: Call) -> dict[str, Any]:
    return delete_unless_updating(service, KIND, call.params["recommenderArn"])


def recommender_target(service: Service, arn: str) -> Target:
    """The model an ACTIVE recommender serves now (its previous one while it retrains).

    Kept while no resource changes (the store's generation), as a campaign's target is.
    """
    key = (str(service.settings.data_dir), arn)
    body, target = _TARGETS.get(key, service.store.generation, lambda: _read_target(service, arn))
    retrain_if_due(service, body)
    return target


def _read_target(service: Service, arn: str) -> tuple[Recommender, Target]:
    body = require(service, KIND, arn)
    if body["status"] != "ACTIVE":
        raise InvalidInputException(
            f"The recommender {arn} is in {body['status']} status; it must be ACTIVE "
            "(start an INACTIVE one with StartRecommender)."
        )
    try:
        model = load_model(service, body["_model"])
    except (KeyError, FileNotFoundError):
        raise not_found(KIND.name, arn) from None
    use_case = _use_case(body["recipeArn"])
    config = body["recommenderConfig"]
    return body, Target(arn, body["datasetGroupArn"], use_case, model, arn, config)


def domain_keep(
    target: Target, params: dict[str, Any], keep: np.ndarray | None
) -> np.ndarray | None:
    """Check a use case's required inputs; leave out what the user saw where it does so."""
    use_case = target.recipe
    if not isinstance(use_case, DomainRecipe):
        return keep
    for member, needed in (("userId", use_case.needs_user), ("itemId", use_case.needs_item)):
        if needed and member not in params:
            raise InvalidInputException(
                f"The recommender's use case {use_case.name} needs a {member}."
            )
    row = target.model.user_index.get(params.get("userId", ""), -1)
    if not use_case.excludes_seen or row < 0:
        return keep
    history = target.model.history
    seen = history.indices[history.indptr[row] : history.indptr[row + 1]]
    mask = np.ones(target.model.n_items, dtype=bool) if keep is None else keep.copy()
    mask[seen] = False
    return mask


def retrain_if_due(service: Service, body: Recommender) -> None:
    """Start the weekly retraining of an ACTIVE recommender if its week (scaled) is over."""
    period = RETRAIN_EVERY_SECONDS * service.settings.latency
    if period <= 0 or body["status"] != "ACTIVE" or not _retrain_due(body, period):
        return
    arn = body["recommenderArn"]
    with _RETRAIN_LOCK:
        current = find(service, KIND, arn)
        if current is None or not _retrain_due(current, period):
            return
        now = time.time()
        retrain = {"status": "RETRAIN PENDING", "creationDateTime": now, "lastUpdatedDateTime": now}
        service.store.update(arn, {"_retrain": retrain})
    service.lifecycle.begin(arn, "RETRAIN", RETRAIN_STATUS)


def _retrain_due(body: Recommender, period: float) -> bool:
    """True if no retraining runs and the last one (or the training) is ``period`` old."""
    retrain = body.get("_retrain", {})
    last = retrain.get("creationDateTime", body.get("_trainedAt", 0))
    return not in_flight(retrain) and time.time() - last >= period


def _transition(service: Service, arn: str, needs: str, verb: str) -> dict[str, Any]:
    body = require(service, KIND, arn)
    if body["status"] != needs or updating(KIND, body):
        raise ResourceInUseException(
            f"The recommender {arn} is in {body['status']} status; only an {needs} recommender "
            f"can be {'stopped' if verb == 'STOP' else 'started'}."
        )
    service.store.update(arn, {"status": f"{verb} PENDING"})
    service.lifecycle.begin(arn, verb)
    return {"recommenderArn": arn}


def _use_case(arn: str) -> DomainRecipe:
    found = domain_recipe(arn)
    if found is None:
        raise InvalidInputException(
            f"{arn} is not a domain recipe; recommenders use the use cases that "
            "ListRecipes(domain=...) lists (e.g. arn:aws:personalize:::recipe/"
            "aws-ecomm-recommended-for-you). Custom recipes train solutions."
        )
    return found


def _create_or_update(job: Job) -> dict[str, Any] | None:
    """Train a new recommender, or apply its update (retraining if its training data changed)."""
    body = job.record(KIND)
    if not updating(KIND, body):
        return _fit(job)
    config = body["latestRecommenderUpdate"]["recommenderConfig"]
    changed = config.get("trainingDataConfig") != body["recommenderConfig"].get(
        "trainingDataConfig"
    )
    return {"recommenderConfig": config, **(_fit(job) if changed else {})}


def _retrain(job: Job) -> dict[str, Any] | None:
    return _fit(job)


def _stop(job: Job) -> None:
    """Nothing to do: an INACTIVE recommender keeps its model and answers no requests."""


def _forget(job: Job) -> None:
    body = job.record(KIND)
    for model in (body.get("_model"), body.get("_previousModel")):
        if model:
            forget_model(job.service, model)


def _fit(job: Job) -> dict[str, Any]:
    """Train the use case's model on the group's events of its types; keep it and its metrics."""
    body = job.record(KIND)
    use_case = _use_case(body["recipeArn"])
    group = load_group(job.service, body["datasetGroupArn"])
    rows = _of_types(group.interactions, use_case.event_types)
    if use_case.event_types and len(rows) < MIN_INTERACTIONS:
        raise JobFailed(
            f"The use case {use_case.name} needs at least {MIN_INTERACTIONS} "
            f"{'/'.join(use_case.event_types)} events (EVENT_TYPE); the dataset group has "
            f"{len(rows)}. Import or send more and the next training will use them."
        )
    try:
        trained = train(use_case.model, rows, group.catalogue(), use_case.hyperparameters)
    except (TrainingError, ValueError) as error:
        raise JobFailed(str(error)) from None
    assert trained is not None
    key = f"{job.arn}/model/{uuid.uuid4().hex[:8]}"
    save_model(job.service, key, trained.model)
    previous = body.get("_previousModel")
    if previous:
        forget_model(job.service, previous)
    return {
        "modelMetrics": trained.metrics,
        "_model": key,
        "_previousModel": body.get("_model"),
        "_trainedAt": time.time(),
    }


def _of_types(interactions: pd.DataFrame, event_types: tuple[str, ...]) -> pd.DataFrame:
    """The interactions whose EVENT_TYPE is one of the types (any case); all if none."""
    if not event_types or "EVENT_TYPE" not in interactions:
        return interactions if not event_types else interactions.iloc[0:0]
    wanted = {t.lower() for t in event_types}
    return interactions[interactions["EVENT_TYPE"].astype(str).str.lower().isin(wanted)]


HANDLERS: dict[str, Handler] = {
    "CreateRecommender": create_recommender,
    "DescribeRecommender": describe_recommender,
    "UpdateRecommender": update_recommender,
    "StopRecommender": stop_recommender,
    "StartRecommender": start_recommender,
    "DeleteRecommender": delete_recommender,
}
JOBS: dict[tuple[str, str], Work] = {
    (KIND.name, "CREATE"): _create_or_update,
    (KIND.name, "RETRAIN"): _retrain,
    (KIND.name, "STOP"): _stop,
    (KIND.name, "DELETE"): _forget,
}
