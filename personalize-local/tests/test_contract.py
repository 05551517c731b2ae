"""Contract tests generated from botocore's Personalize models, over every implemented operation.

1. Errors: one representative bad request per implemented operation (``BAD_REQUESTS``; a new
   operation must add its row); the error answered is among the operation's documented errors,
   with HTTP 400.
2. Statuses and required members: a private service at latency 0.002 takes every kind of
   resource through its life (the later kinds in ``contract_lives.py``), with every implemented
   operation called; each status shown is among those its shape documents (or the real service
   shows, docs/aws-facts.md#statuses), and each response carries every member its output shape marks
   required.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from personalize_local.process import LocalService
from personalize_local.registry import registry
from personalize_local.testing.contract import (
    ContractRecorder,
    documented_errors,
    documented_statuses,
    personalize_shape,
)
from personalize_local.testing.contract_lives import gone, later_lives, poll
from personalize_local.testing.helpers import grant_bucket
from personalize_local.testing.training_setup import loaded_group

ARN = "arn:aws:personalize:us-east-1:000000000000"
MISSING = "contract-missing"
TOKEN = {"nextToken": "bm90IGEgdG9rZW4"}
"""A pagination token this service never issued."""

BAD_REQUESTS: dict[str, tuple[str, dict[str, Any]]] = {
    # Creates naming a parent that does not exist, or invalid on their own.
    "CreateSchema": ("personalize", {"name": MISSING, "schema": '{"type": "record"}'}),
    "CreateDatasetGroup": (
        "personalize",
        {"name": MISSING, "tags": [{"tagKey": "aws:reserved", "tagValue": "x"}]},
    ),
    "CreateDataset": (
        "personalize",
        {
            "name": MISSING,
            "schemaArn": f"{ARN}:schema/{MISSING}",
            "datasetGroupArn": f"{ARN}:dataset-group/{MISSING}",
            "datasetType": "Interactions",
        },
    ),
    "CreateDatasetImportJob": (
        "personalize",
        {
            "jobName": MISSING,
            "datasetArn": f"{ARN}:dataset/{MISSING}/INTERACTIONS",
            "dataSource": {"dataLocation": "s3://b/k.csv"},
        },
    ),
    "CreateSolution": (
        "personalize",
        {
            "name": MISSING,
            "datasetGroupArn": f"{ARN}:dataset-group/{MISSING}",
            "recipeArn": "arn:aws:personalize:::recipe/aws-user-personalization-v2",
        },
    ),
    "CreateSolutionVersion": ("personalize", {"solutionArn": f"{ARN}:solution/{MISSING}"}),
    "CreateCampaign": (
        "personalize",
        {"name": MISSING, "solutionVersionArn": f"{ARN}:solution/{MISSING}/0"},
    ),
    "CreateBatchInferenceJob": (
        "personalize",
        {
            "jobName": MISSING,
            "solutionVersionArn": f"{ARN}:solution/{MISSING}/0",
            "jobInput": {"s3DataSource": {"path": "s3://b/in.json"}},
            "jobOutput": {"s3DataDestination": {"path": "s3://b/out/"}},
            "roleArn": "arn:aws:iam::000000000000:role/r",
        },
    ),
    "CreateFilter": (
        "personalize",
        {
            "name": MISSING,
            "datasetGroupArn": f"{ARN}:dataset-group/{MISSING}",
            "filterExpression": 'EXCLUDE ItemID WHERE Interactions.EVENT_TYPE IN ("x")',
        },
    ),
    "CreateEventTracker": (
        "personalize",
        {"name": MISSING, "datasetGroupArn": f"{ARN}:dataset-group/{MISSING}"},
    ),
    # Describes, deletes and updates of resources that do not exist.
    **{
        f"{verb}{kind}": ("personalize", {member: arn})
        for kind, member, arn in (
            ("Schema", "schemaArn", f"{ARN}:schema/{MISSING}"),
            ("DatasetGroup", "datasetGroupArn", f"{ARN}:dataset-group/{MISSING}"),
            ("Dataset", "datasetArn", f"{ARN}:dataset/{MISSING}/INTERACTIONS"),
            ("Solution", "solutionArn", f"{ARN}:solution/{MISSING}"),
            ("Campaign", "campaignArn", f"{ARN}:campaign/{MISSING}"),
            ("Filter", "filterArn", f"{ARN}:filter/{MISSING}"),
            ("EventTracker", "eventTrackerArn", f"{ARN}:event-tracker/{MISSING}"),
        )
        for verb in ("Describe", "Delete")
    },
    "UpdateSolution": ("personalize", {"solutionArn": f"{ARN}:solution/{MISSING}"}),
    "UpdateCampaign": ("personalize", {"campaignArn": f"{ARN}:campaign/{MISSING}"}),
    "DescribeDatasetImportJob": (
        "personalize",
        {"datasetImportJobArn": f"{ARN}:dataset-import-job/{MISSING}"},
    ),
    "DescribeSolutionVersion": (
        "personalize",
        {"solutionVersionArn": f"{ARN}:solution/{MISSING}/0"},
    ),
    "StopSolutionVersionCreation": (
        "personalize",
        {"solutionVersionArn": f"{ARN}:solution/{MISSING}/0"},
    ),
    "GetSolutionMetrics": ("personalize", {"solutionVersionArn": f"{ARN}:solution/{MISSING}/0"}),
    "DescribeBatchInferenceJob": (
        "personalize",
        {"batchInferenceJobArn": f"{ARN}:batch-inference-job/{MISSING}"},
    ),
    "DescribeRecipe": ("personalize", {"recipeArn": f"arn:aws:personalize:::recipe/{MISSING}"}),
    "DescribeAlgorithm": (
        "personalize",
        {"algorithmArn": f"arn:aws:personalize:::algorithm/{MISSING}"},
    ),
    "DescribeFeatureTransformation": (
        "personalize",
        {"featureTransformationArn": f"arn:aws:personalize:::feature-transformation/{MISSING}"},
    ),
    "TagResource": (
        "personalize",
        {"resourceArn": f"{ARN}:schema/{MISSING}", "tags": [{"tagKey": "k", "tagValue": "v"}]},
    ),
    "UntagResource": ("personalize", {"resourceArn": f"{ARN}:schema/{MISSING}", "tagKeys": ["k"]}),
    "ListTagsForResource": ("personalize", {"resourceArn": f"{ARN}:schema/{MISSING}"}),
    # Lists given a token the service never issued.
    **{
        f"List{kinds}": ("personalize", TOKEN)
        for kinds in (
            "Schemas",
            "DatasetGroups",
            "Datasets",
            "DatasetImportJobs",
            "Solutions",
            "SolutionVersions",
            "Campaigns",
            "BatchInferenceJobs",
            "Filters",
            "EventTrackers",
            "Recipes",
            "Recommenders",
            "BatchSegmentJobs",
            "MetricAttributions",
            "DatasetExportJobs",
            "DataDeletionJobs",
        )
    },
    # Recommenders, batch segment jobs and metric attributions.
    "CreateRecommender": (
        "personalize",
        {
            "name": MISSING,
            "datasetGroupArn": f"{ARN}:dataset-group/{MISSING}",
            "recipeArn": "arn:aws:personalize:::recipe/aws-ecomm-recommended-for-you",
        },
    ),
    **{
        f"{verb}Recommender": ("personalize", {"recommenderArn": f"{ARN}:recommender/{MISSING}"})
        for verb in ("Describe", "Delete", "Stop", "Start")
    },
    "UpdateRecommender": (
        "personalize",
        {"recommenderArn": f"{ARN}:recommender/{MISSING}", "recommenderConfig": {}},
    ),
    "CreateBatchSegmentJob": (
        "personalize",
        {
            "jobName": MISSING,
            "solutionVersionArn": f"{ARN}:solution/{MISSING}/0",
            "jobInput": {"s3DataSource": {"path": "s3://b/in.json"}},
            "jobOutput": {"s3DataDestination": {"path": "s3://b/out/"}},
            "roleArn": "arn:aws:iam::000000000000:role/r",
        },
    ),
    "DescribeBatchSegmentJob": (
        "personalize",
        {"batchSegmentJobArn": f"{ARN}:batch-segment-job/{MISSING}"},
    ),
    "CreateMetricAttribution": (
        "personalize",
        {
            "name": MISSING,
            "datasetGroupArn": f"{ARN}:dataset-group/{MISSING}",
            "metrics": [
                {"eventType": "click", "metricName": "clicks", "expression": "SAMPLECOUNT()"}
            ],
            "metricsOutputConfig": {"roleArn": "arn:aws:iam::000000000000:role/r"},
        },
    ),
    **{
        f"{verb}MetricAttribution": (
            "personalize",
            {"metricAttributionArn": f"{ARN}:metric-attribution/{MISSING}"},
        )
        for verb in ("Describe", "Delete", "Update")
    },
    "ListMetricAttributionMetrics": (
        "personalize",
        {"metricAttributionArn": f"{ARN}:metric-attribution/{MISSING}", **TOKEN},
    ),
    # Dataset updates, exports and data deletion jobs.
    "UpdateDataset": (
        "personalize",
        {
            "datasetArn": f"{ARN}:dataset/{MISSING}/INTERACTIONS",
            "schemaArn": f"{ARN}:schema/{MISSING}",
        },
    ),
    "CreateDatasetExportJob": (
        "personalize",
        {
            "jobName": MISSING,
            "datasetArn": f"{ARN}:dataset/{MISSING}/INTERACTIONS",
            "roleArn": "arn:aws:iam::000000000000:role/r",
            "jobOutput": {"s3DataDestination": {"path": "s3://b/export/"}},
        },
    ),
    "DescribeDatasetExportJob": (
        "personalize",
        {"datasetExportJobArn": f"{ARN}:dataset-export-job/{MISSING}"},
    ),
    "CreateDataDeletionJob": (
        "personalize",
        {
            "jobName": MISSING,
            "datasetGroupArn": f"{ARN}:dataset-group/{MISSING}",
            "dataSource": {"dataLocation": "s3://b/users.csv"},
            "roleArn": "arn:aws:iam::000000000000:role/r",
        },
    ),
    "DescribeDataDeletionJob": (
        "personalize",
        {"dataDeletionJobArn": f"{ARN}:data-deletion-job/{MISSING}"},
    ),
    # The runtime and events APIs.
    "GetRecommendations": (
        "personalize-runtime",
        {"campaignArn": f"{ARN}:campaign/{MISSING}", "userId": "u1"},
    ),
    "GetPersonalizedRanking": (
        "personalize-runtime",
        {"campaignArn": f"{ARN}:campaign/{MISSING}", "userId": "u1", "inputList": ["i1"]},
    ),
    "GetActionRecommendations": (
        "personalize-runtime",
        {"campaignArn": f"{ARN}:campaign/{MISSING}", "userId": "u1"},
    ),
    "PutItems": (
        "personalize-events",
        {"datasetArn": f"{ARN}:dataset/{MISSING}/ITEMS", "items": [{"itemId": "i1"}]},
    ),
    "PutUsers": (
        "personalize-events",
        {"datasetArn": f"{ARN}:dataset/{MISSING}/USERS", "users": [{"userId": "u1"}]},
    ),
    "PutActions": (
        "personalize-events",
        {"datasetArn": f"{ARN}:dataset/{MISSING}/ACTIONS", "actions": [{"actionId": "a1"}]},
    ),
    "PutActionInteractions": (
        "personalize-events",
        {
            "trackingId": MISSING,
            "actionInteractions": [
                {
                    "actionId": "a1",
                    "sessionId": "s1",
                    "timestamp": 1_700_000_000,
                    "eventType": "Taken",
                }
            ],
        },
    ),
    "PutEvents": (
        "personalize-events",
        {
            "trackingId": MISSING,
            "sessionId": "s1",
            "eventList": [{"eventType": "click", "sentAt": 1_700_000_000}],
        },
    ),
}


def test_every_implemented_operation_has_a_bad_request() -> None:
    assert set(BAD_REQUESTS) == set(registry().handlers)


@pytest.mark.parametrize("operation", sorted(BAD_REQUESTS))
def test_errors_are_documented_and_answer_400(local_service: LocalService, operation: str) -> None:
    service, params = BAD_REQUESTS[operation]
    client = boto3.client(service)
    method = getattr(client, _snake(operation))
    with pytest.raises(ClientError) as caught:
        method(**params)
    response = caught.value.response
    assert response["Error"]["Code"] in documented_errors(operation), response["Error"]
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 400


def _snake(name: str) -> str:
    return "".join(f"_{c.lower()}" if c.isupper() else c for c in name).lstrip("_")


# --- 2. Every kind of resource through its life, on a paced private service.


@pytest.mark.slow
def test_every_operation_through_each_kinds_life(tmp_path: Path) -> None:
    recorder = ContractRecorder()
    with LocalService(tmp_path, latency="0.002") as service:
        env = service.env

        def client(name: str) -> Any:
            variable = "AWS_ENDPOINT_URL_" + name.upper().replace("-", "_")
            return recorder.attach(boto3.client(name, endpoint_url=env[variable]))

        p, runtime, events = (
            client("personalize"),
            client("personalize-runtime"),
            client("personalize-events"),
        )
        s3 = boto3.client("s3", endpoint_url=env["AWS_ENDPOINT_URL_S3"])
        s3.create_bucket(Bucket="contract")
        grant_bucket(s3, "contract")
        _life(p, runtime, events, s3)
        later_lives(p, runtime, events, s3)
    assert not recorder.missing, recorder.missing
    undocumented = {
        shape: sorted(seen - documented_statuses(personalize_shape(shape)))
        for shape, seen in recorder.statuses.items()
        if seen - documented_statuses(personalize_shape(shape))
    }
    assert not undocumented, undocumented
    never_called = set(registry().handlers) - recorder.succeeded
    assert not never_called, never_called
    for operation, codes in recorder.failed.items():
        assert codes <= documented_errors(operation), (operation, codes)


def _life(p: Any, runtime: Any, events: Any, s3: Any) -> None:
    """Create, use, update and delete one of everything, polling each through its statuses."""
    group = loaded_group(p, s3, "contract", "contract")
    p.describe_dataset_group(datasetGroupArn=group)
    p.list_dataset_groups()
    datasets = p.list_datasets(datasetGroupArn=group)["datasets"]
    for dataset in datasets:
        p.describe_dataset(datasetArn=dataset["datasetArn"])
    schemas = p.list_schemas()["schemas"]
    p.describe_schema(schemaArn=schemas[0]["schemaArn"])
    for dataset in datasets:
        for job in p.list_dataset_import_jobs(datasetArn=dataset["datasetArn"])[
            "datasetImportJobs"
        ]:
            p.describe_dataset_import_job(datasetImportJobArn=job["datasetImportJobArn"])
    recipe = p.describe_recipe(recipeArn="arn:aws:personalize:::recipe/aws-user-personalization")
    p.list_recipes()
    p.describe_algorithm(algorithmArn=recipe["recipe"]["algorithmArn"])
    p.describe_feature_transformation(
        featureTransformationArn=recipe["recipe"]["featureTransformationArn"]
    )

    solution = p.create_solution(
        name="contract", datasetGroupArn=group,
        recipeArn="arn:aws:personalize:::recipe/aws-user-personalization",
        tags=[{"tagKey": "team", "tagValue": "recs"}],
    )["solutionArn"]  # fmt: skip
    poll(lambda: p.describe_solution(solutionArn=solution)["solution"])
    p.list_solutions(datasetGroupArn=group)
    p.update_solution(solutionArn=solution, performAutoTraining=False)
    poll(lambda: p.describe_solution(solutionArn=solution)["solution"]["latestSolutionUpdate"])
    stopped = p.create_solution_version(solutionArn=solution)["solutionVersionArn"]
    poll(lambda: p.describe_solution_version(solutionVersionArn=stopped)["solutionVersion"]
          if p.describe_solution_version(solutionVersionArn=stopped)["solutionVersion"]["status"]
          != "CREATE IN_PROGRESS" else _stop(p, stopped))  # fmt: skip
    version = p.create_solution_version(solutionArn=solution)["solutionVersionArn"]
    poll(lambda: p.describe_solution_version(solutionVersionArn=version)["solutionVersion"])
    p.list_solution_versions(solutionArn=solution)
    p.get_solution_metrics(solutionVersionArn=version)

    tracker = p.create_event_tracker(name="contract", datasetGroupArn=group)
    poll(
        lambda: p.describe_event_tracker(eventTrackerArn=tracker["eventTrackerArn"])["eventTracker"]
    )
    p.list_event_trackers(datasetGroupArn=group)
    events.put_events(
        trackingId=tracker["trackingId"], userId="u1", sessionId="s1",
        eventList=[{"eventType": "click", "itemId": "i1", "sentAt": 1_700_000_000}],
    )  # fmt: skip
    expression = 'EXCLUDE ItemID WHERE Interactions.EVENT_TYPE IN ("purchase")'
    filter_arn = p.create_filter(name="contract", datasetGroupArn=group,
                                 filterExpression=expression)["filterArn"]  # fmt: skip
    poll(lambda: p.describe_filter(filterArn=filter_arn)["filter"])
    p.list_filters(datasetGroupArn=group)

    campaign = p.create_campaign(name="contract", solutionVersionArn=version)["campaignArn"]
    poll(lambda: p.describe_campaign(campaignArn=campaign)["campaign"])
    p.list_campaigns(solutionArn=solution)
    p.update_campaign(campaignArn=campaign, minProvisionedTPS=2)
    poll(lambda: p.describe_campaign(campaignArn=campaign)["campaign"]["latestCampaignUpdate"])
    runtime.get_recommendations(campaignArn=campaign, userId="u1", filterArn=filter_arn)
    ranking_solution = p.create_solution(
        name="contract-ranking", datasetGroupArn=group,
        recipeArn="arn:aws:personalize:::recipe/aws-personalized-ranking",
    )["solutionArn"]  # fmt: skip
    poll(lambda: p.describe_solution(solutionArn=ranking_solution)["solution"])
    ranking_version = p.create_solution_version(solutionArn=ranking_solution)["solutionVersionArn"]
    poll(lambda: p.describe_solution_version(solutionVersionArn=ranking_version)["solutionVersion"])
    ranking = p.create_campaign(name="contract-ranking", solutionVersionArn=ranking_version)[
        "campaignArn"
    ]
    poll(lambda: p.describe_campaign(campaignArn=ranking)["campaign"])
    runtime.get_personalized_ranking(campaignArn=ranking, userId="u1", inputList=["i1", "i2"])

    s3.put_object(
        Bucket="contract", Key="batch/in.json", Body=json.dumps({"userId": "u1"}).encode()
    )
    job = p.create_batch_inference_job(
        jobName="contract", solutionVersionArn=version,
        jobInput={"s3DataSource": {"path": "s3://contract/batch/in.json"}},
        jobOutput={"s3DataDestination": {"path": "s3://contract/batch/out/"}},
        roleArn="arn:aws:iam::000000000000:role/PersonalizeS3",
    )["batchInferenceJobArn"]  # fmt: skip
    poll(lambda: p.describe_batch_inference_job(batchInferenceJobArn=job)["batchInferenceJob"])
    p.list_batch_inference_jobs(solutionVersionArn=version)

    p.tag_resource(resourceArn=solution, tags=[{"tagKey": "stage", "tagValue": "test"}])
    p.untag_resource(resourceArn=solution, tagKeys=["team"])
    p.list_tags_for_resource(resourceArn=solution)

    for arn in (campaign, ranking):
        p.delete_campaign(campaignArn=arn)
        gone(lambda arn=arn: p.describe_campaign(campaignArn=arn)["campaign"])
    p.delete_filter(filterArn=filter_arn)
    gone(lambda: p.describe_filter(filterArn=filter_arn)["filter"])
    p.delete_event_tracker(eventTrackerArn=tracker["eventTrackerArn"])
    gone(lambda: p.describe_event_tracker(eventTrackerArn=tracker["eventTrackerArn"])[
        "eventTracker"])  # fmt: skip
    for arn in (solution, ranking_solution):
        p.delete_solution(solutionArn=arn)
        gone(lambda arn=arn: p.describe_solution(solutionArn=arn)["solution"])
    for dataset in p.list_datasets(datasetGroupArn=group)["datasets"]:
        p.delete_dataset(datasetArn=dataset["datasetArn"])
        gone(lambda d=dataset: p.describe_dataset(datasetArn=d["datasetArn"])["dataset"])
    p.delete_dataset_group(datasetGroupArn=group)
    gone(lambda: p.describe_dataset_group(datasetGroupArn=group)["datasetGroup"])
    for schema in p.list_schemas()["schemas"]:
        p.delete_schema(schemaArn=schema["schemaArn"])


def _stop(p: Any, arn: str) -> dict[str, Any]:
    """Stop a training in progress; its description (CREATE STOPPING, then polled on)."""
    p.stop_solution_version_creation(solutionVersionArn=arn)
    return dict(p.describe_solution_version(solutionVersionArn=arn)["solutionVersion"])
