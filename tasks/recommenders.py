"""Recommenders: create once, read their model metrics, stop, start, or roll a configuration back.

1. ``ensure_recommender`` lists first and creates only a missing recommender; a different
   recipe stops the run (drift), a different configuration is applied with UpdateRecommender
   (a recommender's configuration can change, its use case cannot). An INACTIVE (stopped)
   recommender is reported and left stopped: someone, or a gate, stopped it.
2. AWS trains and retrains recommenders itself, so what the pipeline can watch is
   ``modelMetrics``: ``read_recommender`` returns the live description, and the readings of
   earlier runs are kept as JSON lines in S3 (``load_readings`` / ``save_reading``).
3. ``stop_recommender`` and ``update_recommender`` are the reactions to a degraded reading.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, cast

import fsspec

from tasks.aws import AwsSettings, client
from tasks.dataset_groups import group_key
from tasks.desired import Desired
from tasks.errors import translated
from tasks.reporting import run_logger
from tasks.resources import Wanted, differences, ensure
from tasks.retries import personalize_task
from tasks.waiter import describe, wait_for

if TYPE_CHECKING:
    from mypy_boto3_personalize.type_defs import RecommenderConfigTypeDef

    from tasks.config import PipelineConfig, RecommenderConfig

FIX = "A recommender's use case cannot change: give it a new name or tear it down."


def wanted_recommender(
    dataset_group_arn: str,
    name: str,
    recipe_arn: str,
    recommender_config: dict[str, Any] | None = None,
) -> Wanted:
    """The recommender as configured: its use case (fatal) and configuration (advisory)."""
    settings: dict[str, Any] = {"recipeArn": recipe_arn}
    if recommender_config:
        settings["recommenderConfig"] = recommender_config
    return Wanted("recommender", name, settings, dataset_group_arn)


@personalize_task()
def ensure_recommender(
    aws: AwsSettings,
    dataset_group_arn: str,
    name: str,
    recipe_arn: str,
    recommender_config: dict[str, Any] | None = None,
) -> str:
    """The ARN of the recommender ``name``, ACTIVE with the configured settings (or INACTIVE)."""
    personalize = client(aws, "personalize")
    wanted = wanted_recommender(dataset_group_arn, name, recipe_arn, recommender_config)

    def create() -> str:
        with translated(wanted.label):
            response = personalize.create_recommender(
                name=name, datasetGroupArn=dataset_group_arn, **wanted.settings
            )
        return str(response["recommenderArn"])

    arn, created = ensure(personalize, wanted, create, fix=FIX, wait=False)
    live = describe(personalize, "recommender", arn)
    if live["status"] == "INACTIVE":
        run_logger().warning(
            "Recommender %s is INACTIVE (stopped): it serves no recommendations. Start it with "
            "StartRecommender once its model is trusted again.",
            name,
        )
        return arn
    live = wait_for(personalize, "recommender", arn).resource
    drifted = differences(recommender_config or {}, live.get("recommenderConfig", {}))
    if not created and drifted:
        run_logger().info("Updating recommender %s to %s", name, recommender_config)
        update_recommender.fn(aws, arn, recommender_config or {})
    return arn


@personalize_task()
def read_recommender(aws: AwsSettings, recommender_arn: str) -> dict[str, Any]:
    """DescribeRecommender's document (status, modelMetrics, recommenderConfig ...)."""
    return describe(client(aws, "personalize"), "recommender", recommender_arn)


@personalize_task()
def update_recommender(aws: AwsSettings, recommender_arn: str, config: dict[str, Any]) -> str:
    """Apply a RecommenderConfig and wait until the update is ACTIVE."""
    personalize = client(aws, "personalize")
    with translated(f"recommender {recommender_arn}"):
        personalize.update_recommender(
            recommenderArn=recommender_arn,
            recommenderConfig=cast("RecommenderConfigTypeDef", config),
        )
    wait_for(personalize, "recommender-update", recommender_arn)
    return recommender_arn


@personalize_task()
def stop_recommender(aws: AwsSettings, recommender_arn: str, reason: str) -> str:
    """Stop a recommender (it then serves nothing and AWS stops retraining it); wait INACTIVE."""
    personalize = client(aws, "personalize")
    run_logger().warning("Stopping recommender %s: %s", recommender_arn, reason)
    with translated(f"recommender {recommender_arn}"):
        personalize.stop_recommender(recommenderArn=recommender_arn)
    wait_for(personalize, "recommender-stop", recommender_arn)
    return recommender_arn


@personalize_task()
def load_readings(uri: str) -> list[dict[str, Any]]:
    """The readings earlier runs saved (JSON lines, oldest first); none if the file is new."""
    fs, path = fsspec.core.url_to_fs(uri)
    if not fs.exists(path):
        return []
    with fs.open(path, "r") as source:
        return [json.loads(line) for line in source.read().splitlines() if line.strip()]


@personalize_task()
def save_reading(uri: str, readings: list[dict[str, Any]], reading: dict[str, Any]) -> str:
    """Append a reading (stamped with the time) to the readings file; return its URI."""
    fs, path = fsspec.core.url_to_fs(uri)
    lines = [json.dumps(r, sort_keys=True) for r in [*readings, {"time": time.time(), **reading}]]
    with fs.open(path, "w") as out:
        out.write("\n".join(lines) + "\n")
    return uri


def desired_recommenders(config: PipelineConfig) -> Iterator[Desired]:
    """The configured recommenders, in the dataset group; ``deferred``: AWS trains a recommender
    as soon as it is created, so ``flows.recommenders`` ensures them (in parallel) once the
    interactions are imported."""
    for recommender in config.recommenders:
        yield _desired_recommender(config, recommender)


def _desired_recommender(config: PipelineConfig, r: RecommenderConfig) -> Desired:
    group = group_key(config)
    return Desired(
        "recommender",
        r.name,
        lambda arns: wanted_recommender(arns[group], r.name, r.recipe_arn, r.recommender_config),
        parent=group,
        ensure=lambda arns: ensure_recommender.submit(
            config.aws, arns[group], r.name, r.recipe_arn, r.recommender_config
        ),
        slot=("recommenders", r.name),
        deferred=True,
    )
