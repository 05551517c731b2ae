"""What blocks each Delete operation, and what goes with the resource instead.

Sources, in order: botocore's model (the operations' documentation in
botocore/data/personalize/*/service-2.json) and the developer guide, "Requirements for deleting
Amazon Personalize resources" (deleting-resources.html):

- DeleteDataset: "You can't delete a dataset if an associated DatasetImportJob or
  SolutionVersion is in the CREATE PENDING or IN PROGRESS state" (model); an event tracker
  recording into it goes first, and no recommender may be in flight (developer guide).
- DeleteDatasetGroup: "you must delete ... All associated event trackers. All associated
  solutions. All datasets in the dataset group." (model); a domain group's recommenders too
  (developer guide). Nothing else: export and data deletion jobs have no delete call.
- DeleteSolution: "you must delete all campaigns based on the solution ... You can't delete a
  solution if an associated SolutionVersion is in the CREATE PENDING or IN PROGRESS state."
- DeleteSchema: "you must delete all datasets referencing the schema."
- Every resource: "You can't delete a resource whose status is changing from one state to
  another" (developer guide) - the only thing that blocks DeleteFilter, DeleteEventTracker,
  DeleteMetricAttribution, DeleteCampaign and DeleteRecommender (their creation, or for a
  campaign and a recommender an update, in flight).
"""

from __future__ import annotations

from typing import Any

import pytest

from personalize_local.process import LocalService
from personalize_local.testing.domain_setup import RECIPE, ecommerce_group
from personalize_local.testing.helpers import (
    INTERACTIONS_SCHEMA,
    active_dataset,
    active_group,
    arm_faults,
    delete_users,
    error_of,
    interactions_csv,
    put_csv,
    run_export,
    run_import,
    wait_gone,
    wait_status,
)
from personalize_local.testing.training_setup import (
    active_solution,
    campaign_update,
    load_group,
    settled,
    train,
)

ROLE = "arn:aws:iam::000000000000:role/PersonalizeS3"


@pytest.fixture
def faults(local_service: LocalService) -> Any:
    """Arm faults on the session's service; every hold is released after the test."""
    yield lambda settings: arm_faults(local_service, settings)
    arm_faults(local_service, {"release": True})


def in_use(call: Any, **params: Any) -> str:
    """The message of the ResourceInUseException a call answers."""
    code, message = error_of(call, **params)
    assert code == "ResourceInUseException", message
    return message


def test_export_and_data_deletion_jobs_do_not_block_deletes(
    personalize: Any, s3: Any, bucket: str, unique: str
) -> None:
    group = active_group(personalize, f"g-{unique}")
    dataset = active_dataset(personalize, group, "Interactions", INTERACTIONS_SCHEMA,
                             f"i-{unique}")  # fmt: skip
    uri = put_csv(s3, bucket, "i.csv", interactions_csv())
    assert run_import(personalize, dataset, uri, f"imp-{unique}")["status"] == "ACTIVE"
    export = run_export(personalize, dataset, f"exp-{unique}", f"s3://{bucket}/out/")
    assert export["status"] == "ACTIVE"
    listing = put_csv(s3, bucket, "forget.csv", "USER_ID\nu1\n")
    assert delete_users(personalize, group, f"del-{unique}", listing)["status"] == "COMPLETED"

    personalize.delete_dataset(datasetArn=dataset)
    wait_gone(lambda: personalize.describe_dataset(datasetArn=dataset))
    arn = export["datasetExportJobArn"]
    wait_gone(lambda: personalize.describe_dataset_export_job(datasetExportJobArn=arn))
    personalize.delete_dataset_group(datasetGroupArn=group)
    wait_gone(lambda: personalize.describe_dataset_group(datasetGroupArn=group))
    assert not personalize.list_data_deletion_jobs(datasetGroupArn=group)["dataDeletionJobs"]


def test_dataset_waits_for_its_imports_and_its_event_tracker(
    personalize: Any, s3: Any, bucket: str, unique: str, faults: Any
) -> None:
    group = active_group(personalize, f"g-{unique}")
    dataset = active_dataset(personalize, group, "Interactions", INTERACTIONS_SCHEMA,
                             f"i-{unique}")  # fmt: skip
    uri = put_csv(s3, bucket, "held.csv", interactions_csv())
    faults({"hold_next": {"dataset-import-job": 60}})
    job = personalize.create_dataset_import_job(
        jobName=f"held-{unique}", datasetArn=dataset, dataSource={"dataLocation": uri},
        roleArn=ROLE,
    )["datasetImportJobArn"]  # fmt: skip
    wait_status(lambda: personalize.describe_dataset_import_job(datasetImportJobArn=job),
                "datasetImportJob", "CREATE IN_PROGRESS")  # fmt: skip
    assert job in in_use(personalize.delete_dataset, datasetArn=dataset)
    faults({"release": True})
    wait_status(lambda: personalize.describe_dataset_import_job(datasetImportJobArn=job),
                "datasetImportJob", "ACTIVE")  # fmt: skip

    tracker = personalize.create_event_tracker(name=f"t-{unique}", datasetGroupArn=group)
    wait_status(lambda: personalize.describe_event_tracker(
        eventTrackerArn=tracker["eventTrackerArn"]), "eventTracker", "ACTIVE")  # fmt: skip
    assert "event tracker" in in_use(personalize.delete_dataset, datasetArn=dataset)
    personalize.delete_event_tracker(eventTrackerArn=tracker["eventTrackerArn"])
    wait_gone(lambda: personalize.describe_event_tracker(
        eventTrackerArn=tracker["eventTrackerArn"]))  # fmt: skip
    personalize.delete_dataset(datasetArn=dataset)
    wait_gone(lambda: personalize.describe_dataset(datasetArn=dataset))


def test_group_needs_its_trackers_solutions_and_datasets_gone_first(
    personalize: Any, s3: Any, bucket: str, unique: str
) -> None:
    group = active_group(personalize, f"g-{unique}")
    dataset = active_dataset(personalize, group, "Interactions", INTERACTIONS_SCHEMA,
                             f"i-{unique}")  # fmt: skip
    filter_arn = personalize.create_filter(
        name=f"f-{unique}", datasetGroupArn=group,
        filterExpression='EXCLUDE ItemID WHERE Interactions.EVENT_TYPE IN ("purchase")',
    )["filterArn"]  # fmt: skip
    attribution = personalize.create_metric_attribution(
        name=f"m-{unique}", datasetGroupArn=group,
        metrics=[{"eventType": "purchase", "metricName": "COUNT_PURCHASES",
                  "expression": "SAMPLECOUNT()"}],
        metricsOutputConfig={"roleArn": ROLE},
    )["metricAttributionArn"]  # fmt: skip
    tracker = personalize.create_event_tracker(name=f"t-{unique}", datasetGroupArn=group)
    solution = active_solution(personalize, group, f"s-{unique}", "aws-popularity-count")
    events = dataset.replace("/INTERACTIONS", "/EVENT_INTERACTIONS")

    for blocker, delete in (
        (tracker["eventTrackerArn"],
         lambda: personalize.delete_event_tracker(eventTrackerArn=tracker["eventTrackerArn"])),
        (solution, lambda: personalize.delete_solution(solutionArn=solution)),
        (dataset, lambda: personalize.delete_dataset(datasetArn=dataset)),
        (events, lambda: personalize.delete_dataset(datasetArn=events)),
    ):  # fmt: skip
        settled(lambda b=blocker: _status_of(personalize, b))
        assert blocker in in_use(personalize.delete_dataset_group, datasetGroupArn=group)
        delete()
        wait_gone(lambda b=blocker: _status_of(personalize, b))
    personalize.delete_dataset_group(datasetGroupArn=group)  # the filter and attribution go too
    wait_gone(lambda: personalize.describe_dataset_group(datasetGroupArn=group))
    wait_gone(lambda: personalize.describe_filter(filterArn=filter_arn))
    wait_gone(lambda: personalize.describe_metric_attribution(metricAttributionArn=attribution))


def _status_of(personalize: Any, arn: str) -> dict[str, Any]:
    """Describe a tracker, solution or dataset by its ARN."""
    if ":event-tracker/" in arn:
        return dict(personalize.describe_event_tracker(eventTrackerArn=arn)["eventTracker"])
    if ":solution/" in arn:
        return dict(personalize.describe_solution(solutionArn=arn)["solution"])
    return dict(personalize.describe_dataset(datasetArn=arn)["dataset"])


@pytest.mark.slow
def test_trainings_block_datasets_and_solutions_campaigns_block_solutions(
    personalize: Any, s3: Any, bucket: str, unique: str, faults: Any
) -> None:
    loaded = load_group(personalize, s3, bucket, f"train-{unique}")
    solution = active_solution(personalize, loaded.group, f"s-{unique}", "aws-popularity-count")
    version = train(personalize, solution)["solutionVersionArn"]
    faults({"hold_next": {"solution-version": 60, "campaign": 60}})
    held = personalize.create_solution_version(solutionArn=solution)["solutionVersionArn"]
    wait_status(lambda: personalize.describe_solution_version(solutionVersionArn=held),
                "solutionVersion", "CREATE IN_PROGRESS")  # fmt: skip
    assert held in in_use(personalize.delete_dataset, datasetArn=loaded.items)
    assert held in in_use(personalize.delete_solution, solutionArn=solution)
    personalize.stop_solution_version_creation(solutionVersionArn=held)
    settled(lambda: personalize.describe_solution_version(solutionVersionArn=held)[
        "solutionVersion"])  # fmt: skip

    campaign = personalize.create_campaign(name=f"c-{unique}", solutionVersionArn=version)[
        "campaignArn"
    ]
    wait_status(lambda: personalize.describe_campaign(campaignArn=campaign), "campaign",
                "CREATE IN_PROGRESS")  # fmt: skip
    assert "CREATE IN_PROGRESS" in in_use(personalize.delete_campaign, campaignArn=campaign)
    assert campaign in in_use(personalize.delete_solution, solutionArn=solution)
    faults({"release": True})
    wait_status(lambda: personalize.describe_campaign(campaignArn=campaign), "campaign", "ACTIVE")
    faults({"hold_next": {"campaign": 60}})
    personalize.update_campaign(campaignArn=campaign, minProvisionedTPS=2)
    assert "while it is updating" in in_use(personalize.delete_campaign, campaignArn=campaign)
    faults({"release": True})
    assert campaign_update(personalize, campaign)["status"] == "ACTIVE"
    personalize.delete_campaign(campaignArn=campaign)
    wait_gone(lambda: personalize.describe_campaign(campaignArn=campaign))
    personalize.delete_solution(solutionArn=solution)  # its versions go with it
    wait_gone(lambda: personalize.describe_solution(solutionArn=solution))
    wait_gone(lambda: personalize.describe_solution_version(solutionVersionArn=version))
    personalize.delete_dataset(datasetArn=loaded.items)
    wait_gone(lambda: personalize.describe_dataset(datasetArn=loaded.items))


def test_schema_waits_for_the_datasets_that_use_it(personalize: Any, unique: str) -> None:
    group = active_group(personalize, f"g-{unique}")
    dataset = active_dataset(personalize, group, "Interactions", INTERACTIONS_SCHEMA,
                             f"i-{unique}")  # fmt: skip
    schema = personalize.describe_dataset(datasetArn=dataset)["dataset"]["schemaArn"]
    assert dataset in in_use(personalize.delete_schema, schemaArn=schema)
    personalize.delete_dataset(datasetArn=dataset)
    wait_gone(lambda: personalize.describe_dataset(datasetArn=dataset))
    personalize.delete_schema(schemaArn=schema)
    wait_gone(lambda: personalize.describe_schema(schemaArn=schema))


def test_filters_trackers_and_attributions_wait_only_for_their_own_creation(
    personalize: Any, unique: str, faults: Any
) -> None:
    group = active_group(personalize, f"g-{unique}")
    active_dataset(personalize, group, "Interactions", INTERACTIONS_SCHEMA, f"i-{unique}")
    faults({"hold_next": {"filter": 60, "event-tracker": 60, "metric-attribution": 60}})
    arns = {
        "filter": personalize.create_filter(
            name=f"f-{unique}", datasetGroupArn=group,
            filterExpression='EXCLUDE ItemID WHERE Interactions.EVENT_TYPE IN ("purchase")',
        )["filterArn"],
        "event-tracker": personalize.create_event_tracker(
            name=f"t-{unique}", datasetGroupArn=group)["eventTrackerArn"],
        "metric-attribution": personalize.create_metric_attribution(
            name=f"m-{unique}", datasetGroupArn=group,
            metrics=[{"eventType": "purchase", "metricName": "COUNT_PURCHASES",
                      "expression": "SAMPLECOUNT()"}],
            metricsOutputConfig={"roleArn": ROLE},
        )["metricAttributionArn"],
    }  # fmt: skip
    deletes = {
        "filter": lambda: personalize.delete_filter(filterArn=arns["filter"]),
        "event-tracker": lambda: personalize.delete_event_tracker(
            eventTrackerArn=arns["event-tracker"]),
        "metric-attribution": lambda: personalize.delete_metric_attribution(
            metricAttributionArn=arns["metric-attribution"]),
    }  # fmt: skip
    for kind, delete in deletes.items():
        assert "status" in in_use(lambda d=delete: d()), kind
    faults({"release": True})
    for kind, delete in deletes.items():
        settled(lambda k=kind: _described(personalize, k, arns[k]))
        delete()
        wait_gone(lambda k=kind: _described(personalize, k, arns[k]))


def _described(personalize: Any, kind: str, arn: str) -> dict[str, Any]:
    """Describe a filter, event tracker or metric attribution."""
    if kind == "filter":
        return dict(personalize.describe_filter(filterArn=arn)["filter"])
    if kind == "event-tracker":
        return dict(personalize.describe_event_tracker(eventTrackerArn=arn)["eventTracker"])
    return dict(
        personalize.describe_metric_attribution(metricAttributionArn=arn)["metricAttribution"]
    )


@pytest.mark.slow
def test_domain_group_needs_its_recommenders_gone_first(
    personalize: Any, s3: Any, bucket: str, unique: str, faults: Any
) -> None:
    group, dataset = ecommerce_group(personalize, s3, bucket, f"dom-{unique}")
    faults({"hold_next": {"recommender": 60}})
    recommender = personalize.create_recommender(
        name=f"r-{unique}",
        datasetGroupArn=group,
        recipeArn=RECIPE + "aws-ecomm-popular-items-by-views",
    )["recommenderArn"]
    assert recommender in in_use(personalize.delete_dataset, datasetArn=dataset)
    assert "CREATE" in in_use(personalize.delete_recommender, recommenderArn=recommender)
    faults({"release": True})
    settled(lambda: personalize.describe_recommender(recommenderArn=recommender)["recommender"])
    faults({"hold_next": {"recommender": 60}})
    personalize.update_recommender(
        recommenderArn=recommender, recommenderConfig={"minRecommendationRequestsPerSecond": 2}
    )
    assert "while it is updating" in in_use(
        personalize.delete_recommender, recommenderArn=recommender
    )
    faults({"release": True})
    settled(lambda: personalize.describe_recommender(recommenderArn=recommender)["recommender"][
        "latestRecommenderUpdate"])  # fmt: skip
    personalize.delete_dataset(datasetArn=dataset)
    wait_gone(lambda: personalize.describe_dataset(datasetArn=dataset))
    assert recommender in in_use(personalize.delete_dataset_group, datasetGroupArn=group)
    personalize.delete_recommender(recommenderArn=recommender)
    wait_gone(lambda: personalize.describe_recommender(recommenderArn=recommender))
    personalize.delete_dataset_group(datasetGroupArn=group)
    wait_gone(lambda: personalize.describe_dataset_group(datasetGroupArn=group))
