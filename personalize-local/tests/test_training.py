"""Training, metrics, campaigns, the runtime and batch inference over HTTP, on planted data."""

from __future__ import annotations

from typing import Any

import boto3
import pytest

from personalize_facts.metrics import METRIC_NAMES
from personalize_local.attribution import code_of, source_code
from personalize_local.ops.solution_versions import training_hours
from personalize_local.process import LocalService
from personalize_local.testing.helpers import (
    arm_faults,
    error_of,
    grant_bucket,
    wait_gone,
    wait_status,
)
from personalize_local.testing.training_setup import (
    active_campaign,
    active_solution,
    campaign_update,
    loaded_group,
    recommended,
    run_batch,
    train,
)

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def group(local_service: LocalService) -> str:
    """One dataset group with planted interactions and items, shared by this module."""
    s3 = boto3.client("s3")
    s3.create_bucket(Bucket="training-tests")
    grant_bucket(s3, "training-tests")
    return loaded_group(boto3.client("personalize"), s3, "training-tests", "training-tests")


@pytest.fixture
def runtime(local_service: LocalService) -> Any:
    """A personalize-runtime client for the local service."""
    return boto3.client("personalize-runtime")


def test_full_lifecycle(
    personalize: Any, runtime: Any, s3: Any, bucket: str, group: str, unique: str
) -> None:
    solution = active_solution(personalize, group, f"up-{unique}", "aws-user-personalization-v2")
    first = train(personalize, solution)
    assert first["status"] == "ACTIVE", first
    assert first["trainingMode"] == "FULL"
    assert first["trainingHours"] == 1.0  # the typical hour at --latency instant
    metrics = personalize.get_solution_metrics(solutionVersionArn=first["solutionVersionArn"])
    assert set(metrics["metrics"]) == set(METRIC_NAMES)

    campaign = active_campaign(personalize, f"home-{unique}", first["solutionVersionArn"])
    answer = runtime.get_recommendations(campaignArn=campaign, userId="u1")
    assert len(answer["itemList"]) == 25
    assert code_of(answer["recommendationId"]) == source_code(campaign, first["solutionVersionArn"])
    scores = [item["score"] for item in answer["itemList"]]
    assert scores == sorted(scores, reverse=True)
    assert len(recommended(runtime, campaign, "u1", numResults=7)) == 7
    assert error_of(runtime.get_recommendations, campaignArn=campaign, userId="u1",
                    numResults=501)[0] == "InvalidInputException"  # fmt: skip
    cold = recommended(runtime, campaign, "never-seen", numResults=5)
    assert cold == recommended(runtime, campaign, "also-never-seen", numResults=5)

    second = train(personalize, solution)
    answer = runtime.get_recommendations(campaignArn=campaign, userId="u1")
    assert code_of(answer["recommendationId"]) == source_code(campaign, first["solutionVersionArn"])
    personalize.update_campaign(
        campaignArn=campaign, solutionVersionArn=second["solutionVersionArn"]
    )
    assert campaign_update(personalize, campaign)["status"] == "ACTIVE"
    now = personalize.describe_campaign(campaignArn=campaign)["campaign"]
    assert now["solutionVersionArn"] == second["solutionVersionArn"]
    assert now["latestCampaignUpdate"]["solutionVersionArn"] == second["solutionVersionArn"]
    # The runtime serves the new version once the update is ACTIVE (its answers name it).
    answer = runtime.get_recommendations(campaignArn=campaign, userId="u1")
    assert code_of(answer["recommendationId"]) == source_code(
        campaign, second["solutionVersionArn"]
    )

    lines = ['{"userId": "u1"}', '{"userId": "u2"}', "not json", '{"itemId": "i1"}']
    out = run_batch(personalize, s3, bucket, second["solutionVersionArn"], lines,
                    f"batch-{unique}", numResults=5)  # fmt: skip
    assert len(out) == 4
    assert out[0]["input"] == {"userId": "u1"}
    assert len(out[0]["output"]["recommendedItems"]) == 5
    assert out[0]["output"]["recommendedItems"] == recommended(
        runtime, campaign, "u1", numResults=5
    )
    assert out[0]["error"] is None
    assert out[2]["error"] and out[3]["error"] and out[3]["output"] is None
    listed = personalize.list_batch_inference_jobs(solutionVersionArn=second["solutionVersionArn"])[
        "batchInferenceJobs"
    ]
    assert [j["jobName"] for j in listed] == [f"batch-{unique}"]
    assert listed[0]["status"] == "ACTIVE"


def test_personalization_personalizes(personalize: Any, group: str, unique: str) -> None:
    # Each version is measured on its own random 30 test users here, so NDCG varies by a factor
    # of 2 between trainings (the engine's test compares the two recipes on one split).
    # Coverage does not: popularity shows everyone the same top items.
    def metrics(recipe: str) -> dict[str, float]:
        solution = active_solution(personalize, group, f"{recipe}-{unique}", recipe)
        version = train(personalize, solution)["solutionVersionArn"]
        return dict(personalize.get_solution_metrics(solutionVersionArn=version)["metrics"])

    personalized = metrics("aws-user-personalization-v2")
    popular = metrics("aws-popularity-count")
    assert personalized["coverage"] > 2 * popular["coverage"] > 0
    ndcg = "normalized_discounted_cumulative_gain_at_10"
    assert personalized[ndcg] > 0 and popular[ndcg] > 0


def test_metrics_come_from_a_random_tenth_of_users_per_version(
    personalize: Any, group: str, unique: str
) -> None:
    # Developer guide, "Evaluating a solution version": Personalize randomly selects 90% of the
    # users for training and 10% for testing, per training; docs/aws-facts.md#solution-metrics: re-running the same
    # notebook on the same data gives different metrics. One version's metrics do not change.
    solution = active_solution(personalize, group, f"split-{unique}", "aws-popularity-count")
    first, second = (train(personalize, solution)["solutionVersionArn"] for _ in range(2))
    metrics = personalize.get_solution_metrics(solutionVersionArn=first)["metrics"]
    assert personalize.get_solution_metrics(solutionVersionArn=first)["metrics"] == metrics
    assert personalize.get_solution_metrics(solutionVersionArn=second)["metrics"] != metrics


def test_ranking_and_similar_items(
    personalize: Any, runtime: Any, s3: Any, bucket: str, group: str, unique: str
) -> None:
    ranking = active_solution(personalize, group, f"rank-{unique}", "aws-personalized-ranking-v2")
    campaign = active_campaign(
        personalize, f"rank-{unique}", train(personalize, ranking)["solutionVersionArn"]
    )
    ranked = runtime.get_personalized_ranking(
        campaignArn=campaign, userId="u3", inputList=["unknown-item", "i1", "i2", "i3"]
    )["personalizedRanking"]
    assert [item["itemId"] for item in ranked][-1] == "unknown-item"
    assert {item["itemId"] for item in ranked} == {"unknown-item", "i1", "i2", "i3"}
    assert error_of(runtime.get_recommendations, campaignArn=campaign,
                    userId="u3")[0] == "InvalidInputException"  # fmt: skip
    version = personalize.describe_campaign(campaignArn=campaign)["campaign"]["solutionVersionArn"]
    lines = ['{"userId": "u3", "itemList": ["unknown-item", "i1", "i2", "i3"]}', '{"userId": "u3"}']
    out = run_batch(personalize, s3, bucket, version, lines, f"rank-{unique}")
    assert out[0]["output"]["recommendedItems"] == [item["itemId"] for item in ranked]
    assert "itemList" in out[1]["error"]

    sims = active_solution(personalize, group, f"sims-{unique}", "aws-sims")
    related = active_campaign(
        personalize, f"sims-{unique}", train(personalize, sims)["solutionVersionArn"]
    )
    items = runtime.get_recommendations(campaignArn=related, itemId="i5", numResults=10)
    assert "i5" not in [item["itemId"] for item in items["itemList"]]
    assert len(items["itemList"]) == 10


def test_failures_leave_the_serving_version(
    personalize: Any, runtime: Any, local_service: LocalService, group: str, unique: str
) -> None:
    solution = active_solution(personalize, group, f"fail-{unique}", "aws-popularity-count")
    good = train(personalize, solution)["solutionVersionArn"]
    campaign = active_campaign(personalize, f"fail-{unique}", good)
    before = recommended(runtime, campaign, "u1")

    arm_faults(local_service, {"fail_next": {"solution-version": "Simulated training failure"}})
    failed = train(personalize, solution)
    assert failed["status"] == "CREATE FAILED"
    assert failed["failureReason"] == "Simulated training failure"
    code, _ = error_of(personalize.update_campaign, campaignArn=campaign,
                       solutionVersionArn=failed["solutionVersionArn"])  # fmt: skip
    assert code == "ResourceInUseException"

    arm_faults(local_service, {"fail_next": {"campaign": "Simulated deployment failure"}})
    personalize.update_campaign(campaignArn=campaign, solutionVersionArn=good)
    update = campaign_update(personalize, campaign)
    assert update["status"] == "CREATE FAILED"  # CampaignUpdateSummary.status (botocore)
    assert update["failureReason"] == "Simulated deployment failure"
    assert personalize.describe_campaign(campaignArn=campaign)["campaign"]["status"] == "ACTIVE"
    assert recommended(runtime, campaign, "u1") == before


def test_delete_rules(personalize: Any, group: str, unique: str) -> None:
    solution = active_solution(personalize, group, f"del-{unique}", "aws-popularity-count")
    version = train(personalize, solution)["solutionVersionArn"]
    campaign = active_campaign(personalize, f"del-{unique}", version)
    code, message = error_of(personalize.delete_solution, solutionArn=solution)
    assert code == "ResourceInUseException"
    assert campaign in message
    personalize.delete_campaign(campaignArn=campaign)
    wait_gone(lambda: personalize.describe_campaign(campaignArn=campaign))
    personalize.delete_solution(solutionArn=solution)
    wait_gone(lambda: personalize.describe_solution(solutionArn=solution))
    assert error_of(personalize.describe_solution_version,
                    solutionVersionArn=version)[0] == "ResourceNotFoundException"  # fmt: skip


def test_events_feed_update_training_and_filters(
    personalize: Any, runtime: Any, group: str, unique: str
) -> None:
    solution = active_solution(personalize, group, f"ev-{unique}", "aws-user-personalization")
    full = train(personalize, solution)["solutionVersionArn"]
    campaign = active_campaign(personalize, f"ev-{unique}", full)
    before = recommended(runtime, campaign, "u7")
    newbie = f"newbie-{unique}"
    assert recommended(runtime, campaign, newbie) == recommended(runtime, campaign, "nobody")

    tracker_arn, tracker = _tracker(personalize, group)
    unwatched = [item for item in (f"i{i}" for i in range(120)) if item not in before][:12]
    events = [{"eventType": "watched", "itemId": item, "sentAt": 1_800_000_000 + n}
              for n, item in enumerate(unwatched * 3)]  # fmt: skip
    events_client = boto3.client("personalize-events")
    for user in ("u7", newbie):
        for start in range(0, len(events), 10):
            events_client.put_events(trackingId=tracker, userId=user, sessionId=f"s-{user}",
                                     eventList=events[start : start + 10])  # fmt: skip

    seen = personalize.create_filter(
        name=f"unseen-{unique}",
        datasetGroupArn=group,
        filterExpression='EXCLUDE ItemID WHERE Interactions.EVENT_TYPE IN ("watched")',
    )["filterArn"]
    wait_status(lambda: personalize.describe_filter(filterArn=seen), "filter", "ACTIVE")
    unseen = recommended(runtime, campaign, newbie, filterArn=seen, numResults=100)
    assert unseen and not set(unseen) & set(unwatched)

    update = train(personalize, solution, mode="UPDATE")
    assert (update["status"], update["trainingMode"]) == ("ACTIVE", "UPDATE")
    personalize.update_campaign(
        campaignArn=campaign, solutionVersionArn=update["solutionVersionArn"]
    )
    assert campaign_update(personalize, campaign)["status"] == "ACTIVE"
    assert recommended(runtime, campaign, "u7") != before
    assert recommended(runtime, campaign, newbie) != recommended(runtime, campaign, "nobody")

    # A deleted tracker's events go with it: the next training no longer knows the newcomer.
    personalize.delete_event_tracker(eventTrackerArn=tracker_arn)
    wait_gone(lambda: personalize.describe_event_tracker(eventTrackerArn=tracker_arn))
    again = train(personalize, solution)["solutionVersionArn"]
    personalize.update_campaign(campaignArn=campaign, solutionVersionArn=again)
    assert campaign_update(personalize, campaign)["status"] == "ACTIVE"
    assert recommended(runtime, campaign, newbie) == recommended(runtime, campaign, "nobody")


def test_filter_values(
    personalize: Any, runtime: Any, s3: Any, bucket: str, group: str, unique: str
) -> None:
    solution = active_solution(personalize, group, f"fv-{unique}", "aws-user-personalization-v2")
    campaign = active_campaign(
        personalize, f"fv-{unique}", train(personalize, solution)["solutionVersionArn"]
    )
    only = personalize.create_filter(
        name=f"category-{unique}",
        datasetGroupArn=group,
        filterExpression="INCLUDE ItemID WHERE Items.CATEGORY IN ($CATEGORY)",
    )["filterArn"]
    wait_status(lambda: personalize.describe_filter(filterArn=only), "filter", "ACTIVE")
    code, message = error_of(runtime.get_recommendations, campaignArn=campaign, userId="u1",
                             filterArn=only)  # fmt: skip
    assert code == "InvalidInputException"
    assert "CATEGORY" in message
    items = recommended(runtime, campaign, "u1", filterArn=only,
                        filterValues={"CATEGORY": '"cat-03"'})  # fmt: skip
    from personalize_local.sample_world import generate_items

    catalogue = generate_items(120).set_index("ITEM_ID")["CATEGORY"]
    assert items and {catalogue[item] for item in items} == {"cat-03"}

    version = personalize.describe_campaign(campaignArn=campaign)["campaign"]["solutionVersionArn"]
    lines = ['{"userId": "u1", "filterValues": {"CATEGORY": "\\"cat-03\\""}}', '{"userId": "u1"}']
    out = run_batch(personalize, s3, bucket, version, lines, f"fv-{unique}", filterArn=only)
    assert out[0]["output"]["recommendedItems"] == items
    assert out[1]["output"] is None and "CATEGORY" in out[1]["error"]


def _tracker(personalize: Any, group: str) -> tuple[str, str]:
    """A new event tracker of the group, waited ACTIVE; its ARN and trackingId."""
    arn = personalize.create_event_tracker(name="training-tests", datasetGroupArn=group)[
        "eventTrackerArn"
    ]
    tracker = wait_status(
        lambda: personalize.describe_event_tracker(eventTrackerArn=arn), "eventTracker", "ACTIVE"
    )
    return str(arn), str(tracker["trackingId"])


def test_training_hours_follow_the_scaled_clock() -> None:
    # docs/aws-facts.md#training-hours: AWS reports the hours billed; locally, the scaled clock.
    assert training_hours(0.2, 0.0) == 1.0  # instant: the typical hour
    assert training_hours(0.2, 0.002) == 1.0  # a fit shorter than the paced 7.2 s
    assert training_hours(10.8, 0.002) == 1.5  # a fit of 10.8 s at 0.002 is 1.5 scaled hours
