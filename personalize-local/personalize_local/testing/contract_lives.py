"""The later kinds' lives for the contract test: every operation added after the first life.

1. ``poll`` / ``gone``: Describe until a status ends, or until ResourceNotFoundException.
2. ``later_lives`` starts the long jobs together (a recommender in an ECOMMERCE dataset group, an
   aws-item-affinity and an aws-next-best-action training), and while they run takes the loaded
   group through a dataset update, Put* records, a dataset export and a metric attribution.
3. Then each long job's kind goes through the rest of its life: the recommender updated,
   stopped, started and deleted; a batch segment job; an action campaign answering
   GetActionRecommendations; a data deletion job; the attribution deleted.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

from personalize_local.sample_world import generate_interactions
from personalize_local.testing.domain_setup import RECIPE, ecommerce_group
from personalize_local.testing.helpers import (
    ACTION_INTERACTIONS_SCHEMA,
    ACTIONS_SCHEMA,
    USERS_SCHEMA,
    active_dataset,
    put_csv,
    run_import,
    wait_gone,
)
from personalize_local.testing.training_setup import CATALOGUE_SCHEMA, load_group

ROLE = "arn:aws:iam::000000000000:role/PersonalizeS3"
BUCKET = "contract"


def poll(describe: Callable[[], dict[str, Any]], timeout: float = 120.0) -> dict[str, Any]:
    """Describe until the status ends (not PENDING, IN_PROGRESS, STOPPING); the last document."""
    deadline = time.monotonic() + timeout
    while True:
        body = describe()
        status = body.get("status", "ACTIVE")
        if not status.endswith(("PENDING", "IN_PROGRESS", "IN PROGRESS", "STOPPING")):
            return body
        assert time.monotonic() < deadline, body
        time.sleep(0.01)


def gone(describe: Callable[[], dict[str, Any]], timeout: float = 60.0) -> None:
    """Describe (polling through DELETE statuses) until ResourceNotFoundException."""
    wait_gone(lambda: poll(describe), timeout)


def later_lives(p: Any, runtime: Any, events: Any, s3: Any) -> None:
    """Every operation added with domains, segments, attribution, actions and the lifecycle."""
    shop, _ = ecommerce_group(p, s3, BUCKET, "contract-shop")
    recommender = p.create_recommender(
        name="contract-shop", datasetGroupArn=shop,
        recipeArn=f"{RECIPE}aws-ecomm-popular-items-by-views",
    )["recommenderArn"]  # fmt: skip
    loaded = load_group(p, s3, BUCKET, "contract-later", seed=1)
    taken = _actions(p, s3, loaded.group)
    trainings = {
        recipe: p.create_solution_version(solutionArn=_solution(p, loaded.group, recipe))[
            "solutionVersionArn"
        ]
        for recipe in ("aws-item-affinity", "aws-next-best-action")
    }
    _records(p, events, loaded.group, loaded.items, taken)
    _export(p, loaded.interactions)
    attribution = _attribution(p, loaded.group)

    _recommender(p, runtime, recommender)
    _segments(p, s3, trainings["aws-item-affinity"])
    _next_best_action(p, runtime, trainings["aws-next-best-action"])
    _deletion(p, s3, loaded.group)
    p.delete_metric_attribution(metricAttributionArn=attribution)
    gone(lambda: p.describe_metric_attribution(metricAttributionArn=attribution)[
        "metricAttribution"])  # fmt: skip


def _actions(p: Any, s3: Any, group: str) -> str:
    """Actions and Action interactions datasets, imported; the interactions dataset's ARN."""
    actions = active_dataset(p, group, "Actions", ACTIONS_SCHEMA, "contract-actions")
    taken = active_dataset(p, group, "Action_Interactions", ACTION_INTERACTIONS_SCHEMA,
                           "contract-action-interactions")  # fmt: skip
    frame = generate_interactions(300, 40, 4000, seed=2)
    frame["ACTION_ID"] = frame.pop("ITEM_ID").str.replace("i", "a")
    frame["EVENT_TYPE"] = frame["EVENT_TYPE"].map({"click": "TAKEN", "purchase": "NOT_TAKEN"})
    catalogue = "ACTION_ID,EXPIRATION_TIMESTAMP,REPEAT_FREQUENCY,CHANNEL\n" + "".join(
        f"a{i},,,email\n" for i in range(40)
    )
    for dataset, key, text in (
        (actions, "actions.csv", catalogue),
        (taken, "action_interactions.csv",
         frame[["USER_ID", "ACTION_ID", "EVENT_TYPE", "TIMESTAMP"]].to_csv(index=False)),
    ):  # fmt: skip
        uri = put_csv(s3, BUCKET, f"contract-later/{key}", text)
        assert run_import(p, dataset, uri, f"contract-{key[:-4]}")["status"] == "ACTIVE"
    return taken


def _solution(p: Any, group: str, recipe: str) -> str:
    arn = p.create_solution(name=f"contract-{recipe}", datasetGroupArn=group,
                            recipeArn=f"{RECIPE}{recipe}")["solutionArn"]  # fmt: skip
    poll(lambda: p.describe_solution(solutionArn=arn)["solution"])
    return str(arn)


def _records(p: Any, events: Any, group: str, items: str, taken: str) -> None:
    """UpdateDataset (a nullable field added to Items), then PutItems, PutUsers, PutActions and
    PutActionInteractions."""
    schema = json.loads(CATALOGUE_SCHEMA)
    schema["fields"].append({"name": "COLOUR", "type": ["null", "string"]})
    wider = p.create_schema(name="contract-items-wider", schema=json.dumps(schema))["schemaArn"]
    p.update_dataset(datasetArn=items, schemaArn=wider)
    poll(lambda: p.describe_dataset(datasetArn=items)["dataset"]["latestDatasetUpdate"])
    poll(lambda: p.describe_dataset(datasetArn=items)["dataset"])
    properties = {"category": "hats", "colour": "red"}
    events.put_items(
        datasetArn=items, items=[{"itemId": "i1", "properties": json.dumps(properties)}]
    )
    users = active_dataset(p, group, "Users", USERS_SCHEMA, "contract-users")
    events.put_users(datasetArn=users, users=[{"userId": "u1", "properties": '{"age": 30}'}])
    actions = next(d["datasetArn"] for d in p.list_datasets(datasetGroupArn=group)["datasets"]
                   if d["datasetType"].upper() == "ACTIONS")  # fmt: skip
    events.put_actions(datasetArn=actions, actions=[
        {"actionId": "a99", "properties": '{"channel": "sms"}'}])  # fmt: skip
    tracking = p.describe_dataset(datasetArn=taken)["dataset"]["trackingId"]
    events.put_action_interactions(trackingId=tracking, actionInteractions=[
        {"actionId": "a1", "userId": "u1", "sessionId": "s", "timestamp": 1_700_000_000,
         "eventType": "TAKEN"}])  # fmt: skip


def _export(p: Any, dataset: str) -> None:
    job = p.create_dataset_export_job(
        jobName="contract-export", datasetArn=dataset, roleArn=ROLE, ingestionMode="ALL",
        jobOutput={"s3DataDestination": {"path": f"s3://{BUCKET}/exports/"}},
    )["datasetExportJobArn"]  # fmt: skip
    done = poll(lambda: p.describe_dataset_export_job(datasetExportJobArn=job)["datasetExportJob"])
    assert done["status"] == "ACTIVE", done
    p.list_dataset_export_jobs(datasetArn=dataset)


def _attribution(p: Any, group: str) -> str:
    arn = p.create_metric_attribution(
        name="contract-impact", datasetGroupArn=group,
        metrics=[{"eventType": "click", "metricName": "clicks", "expression": "SAMPLECOUNT()"}],
        metricsOutputConfig={"roleArn": ROLE,
                             "s3DataDestination": {"path": f"s3://{BUCKET}/impact/"}},
    )["metricAttributionArn"]  # fmt: skip
    done = poll(lambda: p.describe_metric_attribution(metricAttributionArn=arn)[
        "metricAttribution"])  # fmt: skip
    assert done["status"] == "ACTIVE", done
    p.list_metric_attributions(datasetGroupArn=group)
    p.update_metric_attribution(metricAttributionArn=arn, addMetrics=[
        {"eventType": "purchase", "metricName": "purchases", "expression": "SAMPLECOUNT()"}])  # fmt: skip
    poll(lambda: p.describe_metric_attribution(metricAttributionArn=arn)["metricAttribution"])
    assert len(p.list_metric_attribution_metrics(metricAttributionArn=arn)["metrics"]) == 2
    return str(arn)


def _recommender(p: Any, runtime: Any, arn: str) -> None:
    """Trained, served, updated, stopped (INACTIVE), started and deleted."""
    done = poll(lambda: p.describe_recommender(recommenderArn=arn)["recommender"])
    assert done["status"] == "ACTIVE", done
    p.list_recommenders(datasetGroupArn=done["datasetGroupArn"])
    runtime.get_recommendations(recommenderArn=arn, userId="u1")
    p.update_recommender(recommenderArn=arn,
                         recommenderConfig={"minRecommendationRequestsPerSecond": 2})  # fmt: skip
    poll(lambda: p.describe_recommender(recommenderArn=arn)["recommender"][
        "latestRecommenderUpdate"])  # fmt: skip
    p.stop_recommender(recommenderArn=arn)
    stopped = poll(lambda: p.describe_recommender(recommenderArn=arn)["recommender"])
    assert stopped["status"] == "INACTIVE", stopped
    p.start_recommender(recommenderArn=arn)
    started = poll(lambda: p.describe_recommender(recommenderArn=arn)["recommender"])
    assert started["status"] == "ACTIVE", started
    p.delete_recommender(recommenderArn=arn)
    gone(lambda: p.describe_recommender(recommenderArn=arn)["recommender"])


def _segments(p: Any, s3: Any, version: str) -> None:
    trained = poll(lambda: p.describe_solution_version(solutionVersionArn=version)[
        "solutionVersion"])  # fmt: skip
    assert trained["status"] == "ACTIVE", trained
    s3.put_object(Bucket=BUCKET, Key="segments/in.json", Body=b'{"itemId": "i1"}\n')
    job = p.create_batch_segment_job(
        jobName="contract-segments", solutionVersionArn=version, roleArn=ROLE,
        jobInput={"s3DataSource": {"path": f"s3://{BUCKET}/segments/in.json"}},
        jobOutput={"s3DataDestination": {"path": f"s3://{BUCKET}/segments/out/"}},
    )["batchSegmentJobArn"]  # fmt: skip
    done = poll(lambda: p.describe_batch_segment_job(batchSegmentJobArn=job)["batchSegmentJob"])
    assert done["status"] == "ACTIVE", done
    p.list_batch_segment_jobs(solutionVersionArn=version)


def _next_best_action(p: Any, runtime: Any, version: str) -> None:
    trained = poll(lambda: p.describe_solution_version(solutionVersionArn=version)[
        "solutionVersion"])  # fmt: skip
    assert trained["status"] == "ACTIVE", trained
    campaign = p.create_campaign(name="contract-actions", solutionVersionArn=version)["campaignArn"]
    poll(lambda: p.describe_campaign(campaignArn=campaign)["campaign"])
    answer = runtime.get_action_recommendations(campaignArn=campaign, userId="u1")
    assert answer["actionList"], answer
    p.delete_campaign(campaignArn=campaign)
    gone(lambda: p.describe_campaign(campaignArn=campaign)["campaign"])


def _deletion(p: Any, s3: Any, group: str) -> None:
    uri = put_csv(s3, BUCKET, "contract-later/forget.csv", "USER_ID\nu1\nu2\n")
    job = p.create_data_deletion_job(jobName="contract-forget", datasetGroupArn=group,
                                     dataSource={"dataLocation": uri}, roleArn=ROLE)[
        "dataDeletionJobArn"
    ]  # fmt: skip
    done = poll(lambda: p.describe_data_deletion_job(dataDeletionJobArn=job)["dataDeletionJob"])
    assert done["status"] == "COMPLETED", done
    p.list_data_deletion_jobs(datasetGroupArn=group)
