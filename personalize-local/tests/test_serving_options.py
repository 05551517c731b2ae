"""GetRecommendations' options and PutEvents' members over HTTP.

Sources: botocore's personalize-runtime model (GetRecommendationsRequest.metadataColumns: "The
map key is ITEMS ... The maximum number of columns you can provide is 10", numResults: "If you
are including metadata in recommendations, the maximum is 50"; Promotion; PredictedItem's
promotionName, metadata and reason), botocore's CampaignConfig and RecommenderConfig
(enableMetadataWithRecommendations, itemExplorationConfig), the developer guide's "Promoting
items in real-time recommendations" and "Recording item interaction events with impressions
data", and botocore's personalize-events Event (impression, recommendationId, properties and
the keys properties may not use).
"""

from __future__ import annotations

import json
from typing import Any

import boto3
import pytest

from personalize_local.sample_world import generate_interactions, generate_items
from personalize_local.testing.domain_setup import (
    ECOMMERCE_ITEMS,
    RECIPE,
    describe,
    ecommerce_group,
)
from personalize_local.testing.helpers import (
    active_dataset,
    active_group,
    error_of,
    exported_rows,
    grant_bucket,
    put_csv,
    run_export,
    run_import,
    wait_status,
)
from personalize_local.testing.training_setup import (
    N_INTERACTIONS,
    N_ITEMS,
    N_USERS,
    LoadedGroup,
    active_solution,
    load_group,
    settled,
    train,
)

FOR_YOU = RECIPE + "aws-ecomm-recommended-for-you"
NEW_ITEMS = [f"new{i}" for i in range(30)]
"""Items imported with the catalogue but never interacted with: the cold items."""
CATEGORY = generate_items(N_ITEMS).set_index("ITEM_ID")["CATEGORY"]
_SEEN = set(generate_interactions(N_USERS, N_ITEMS, N_INTERACTIONS)["ITEM_ID"])
COLD = set(NEW_ITEMS) | set(CATEGORY.index) - _SEEN
"""Items no interaction names: the new ones and the sample catalogue's never-chosen ones."""


@pytest.fixture(scope="module")
def served(local_service: Any) -> dict[str, Any]:
    """A loaded group with 30 cold items, a trained User-Personalization-v2 version."""
    personalize, s3 = boto3.client("personalize"), boto3.client("s3")
    s3.create_bucket(Bucket="serving-options")
    grant_bucket(s3, "serving-options")
    loaded = load_group(personalize, s3, "serving-options", "serving-options")
    cold = "ITEM_ID,CATEGORY\n" + "".join(f"{item},cat-99\n" for item in NEW_ITEMS)
    uri = put_csv(s3, "serving-options", "cold.csv", cold)
    job = run_import(personalize, loaded.items, uri, "cold", "INCREMENTAL")
    assert job["status"] == "ACTIVE", job
    solution = active_solution(personalize, loaded.group, "serving-options",
                               "aws-user-personalization-v2")  # fmt: skip
    version = train(personalize, solution)
    assert version["status"] == "ACTIVE", version
    return {"loaded": loaded, "version": version["solutionVersionArn"]}


def _campaign(personalize: Any, name: str, version: str, **config: Any) -> str:
    arn = personalize.create_campaign(name=name, solutionVersionArn=version, campaignConfig=config)[
        "campaignArn"
    ]
    wait_status(lambda: personalize.describe_campaign(campaignArn=arn), "campaign", "ACTIVE")
    return str(arn)


def _tracker(personalize: Any, group: str, name: str) -> tuple[str, str]:
    """A new event tracker of the group, waited ACTIVE; its ARN and trackingId."""
    arn = personalize.create_event_tracker(name=name, datasetGroupArn=group)["eventTrackerArn"]
    tracker = wait_status(
        lambda: personalize.describe_event_tracker(eventTrackerArn=arn), "eventTracker", "ACTIVE"
    )
    return str(arn), str(tracker["trackingId"])


def test_metadata_only_when_enabled(personalize: Any, served: dict[str, Any], unique: str) -> None:
    runtime = boto3.client("personalize-runtime")
    plain = _campaign(personalize, f"md-off-{unique}", served["version"])
    enabled = _campaign(personalize, f"md-on-{unique}", served["version"],
                        enableMetadataWithRecommendations=True)  # fmt: skip
    columns = {"ITEMS": ["CATEGORY"]}

    answer = runtime.get_recommendations(campaignArn=enabled, userId="u1", numResults=10,
                                         metadataColumns=columns)  # fmt: skip
    assert len(answer["itemList"]) == 10 and answer["recommendationId"]
    for item in answer["itemList"]:
        expected = CATEGORY.get(item["itemId"], "cat-99")
        assert item["metadata"] == {"CATEGORY": expected}
    assert (
        "metadata"
        not in runtime.get_recommendations(campaignArn=enabled, userId="u1")["itemList"][0]
    )

    code, message = error_of(runtime.get_recommendations, campaignArn=plain, userId="u1",
                             metadataColumns=columns)  # fmt: skip
    assert code == "InvalidInputException" and "enableMetadataWithRecommendations" in message
    code, message = error_of(runtime.get_recommendations, campaignArn=enabled, userId="u1",
                             numResults=51, metadataColumns=columns)  # fmt: skip
    assert code == "InvalidInputException" and "50" in message
    code, message = error_of(runtime.get_recommendations, campaignArn=enabled, userId="u1",
                             metadataColumns={"ITEMS": ["COLOUR"]})  # fmt: skip
    assert code == "InvalidInputException" and "COLOUR" in message and "CATEGORY" in message


def test_recommender_metadata_only_when_enabled(personalize: Any, s3: Any, unique: str) -> None:
    runtime = boto3.client("personalize-runtime")
    s3.create_bucket(Bucket=f"rmd-{unique}")
    grant_bucket(s3, f"rmd-{unique}")
    group, _ = ecommerce_group(personalize, s3, f"rmd-{unique}", f"rmd-{unique}")
    schema = personalize.create_schema(name=f"rmd-i-{unique}", schema=ECOMMERCE_ITEMS,
                                       domain="ECOMMERCE")["schemaArn"]  # fmt: skip
    items = personalize.create_dataset(name=f"rmd-i-{unique}", schemaArn=schema,
                                       datasetGroupArn=group, datasetType="Items")["datasetArn"]  # fmt: skip
    wait_status(lambda: personalize.describe_dataset(datasetArn=items), "dataset", "ACTIVE")
    rows = "ITEM_ID,PRICE,CATEGORY_L1\n" + "".join(f"i{i},{i}.5,c{i % 3}\n" for i in range(120))
    job = run_import(personalize, items, put_csv(s3, f"rmd-{unique}", "items.csv", rows), "items")
    assert job["status"] == "ACTIVE", job
    arns = {
        enabled: personalize.create_recommender(
            name=f"rmd-{enabled}-{unique}", datasetGroupArn=group, recipeArn=FOR_YOU,
            recommenderConfig={"enableMetadataWithRecommendations": enabled},
        )["recommenderArn"]
        for enabled in (True, False)
    }  # fmt: skip
    for arn in arns.values():
        assert settled(lambda arn=arn: describe(personalize, arn))["status"] == "ACTIVE"
    columns = {"ITEMS": ["PRICE"]}
    answer = runtime.get_recommendations(recommenderArn=arns[True], userId="u1", numResults=5,
                                         metadataColumns=columns)  # fmt: skip
    for item in answer["itemList"]:
        assert item["metadata"] == {"PRICE": item["itemId"][1:] + ".5"}
    code, _ = error_of(runtime.get_recommendations, recommenderArn=arns[False], userId="u1",
                       metadataColumns=columns)  # fmt: skip
    assert code == "InvalidInputException"


def test_a_higher_exploration_weight_puts_more_cold_items_in_the_list(
    personalize: Any, served: dict[str, Any], unique: str
) -> None:
    runtime = boto3.client("personalize-runtime")
    counts = {}
    for weight in ("0", "0.5", "1"):
        config = {"explorationWeight": weight, "explorationItemAgeCutOff": "1"}
        campaign = _campaign(personalize, f"ex-{weight.replace('.', '')}-{unique}",
                             served["version"], itemExplorationConfig=config)  # fmt: skip
        lists = [
            runtime.get_recommendations(campaignArn=campaign, userId=f"u{u}", numResults=20)[
                "itemList"
            ]
            for u in range(5)
        ]
        counts[weight] = sum(item["itemId"] in COLD for items in lists for item in items)
        explored = [i for items in lists for i in items if i.get("reason") == ["Exploration"]]
        assert all(i["itemId"] in COLD for i in explored), explored  # cut-off 1 day: only new
    assert counts["0"] == 0 < counts["0.5"] < counts["1"], counts


def test_exploration_only_for_user_personalization(
    personalize: Any, served: dict[str, Any], unique: str
) -> None:
    loaded: LoadedGroup = served["loaded"]
    solution = active_solution(personalize, loaded.group, f"pop-{unique}", "aws-popularity-count")
    version = train(personalize, solution)["solutionVersionArn"]
    code, message = error_of(personalize.create_campaign, name=f"pop-{unique}",
                             solutionVersionArn=version,
                             campaignConfig={"itemExplorationConfig": {"explorationWeight": "0.5"}})  # fmt: skip
    assert code == "InvalidInputException" and "User-Personalization" in message
    code, message = error_of(
        personalize.create_batch_inference_job, jobName=f"pop-{unique}", solutionVersionArn=version,
        jobInput={"s3DataSource": {"path": "s3://serving-options/in.json"}},
        jobOutput={"s3DataDestination": {"path": "s3://serving-options/out/"}},
        roleArn="arn:aws:iam::000000000000:role/PersonalizeS3",
        batchInferenceJobConfig={"itemExplorationConfig": {"explorationWeight": "0.5"}},
    )  # fmt: skip
    assert code == "InvalidInputException" and "User-Personalization" in message


def test_promotions_take_their_share_in_score_order(
    personalize: Any, served: dict[str, Any], unique: str
) -> None:
    runtime = boto3.client("personalize-runtime")
    loaded: LoadedGroup = served["loaded"]
    campaign = _campaign(personalize, f"promo-{unique}", served["version"])
    promoted = personalize.create_filter(
        name=f"promo-{unique}", datasetGroupArn=loaded.group,
        filterExpression="INCLUDE ItemID WHERE Items.CATEGORY IN ($CATEGORY)",
    )["filterArn"]  # fmt: skip
    wait_status(lambda: personalize.describe_filter(filterArn=promoted), "filter", "ACTIVE")
    promotion = {"name": "house", "percentPromotedItems": 30, "filterArn": promoted,
                 "filterValues": {"CATEGORY": '"cat-03"'}}  # fmt: skip
    answer = runtime.get_recommendations(campaignArn=campaign, userId="u2", numResults=10,
                                         promotions=[promotion])  # fmt: skip
    items = answer["itemList"]
    assert len(items) == 10 and answer["recommendationId"]
    flagged = [item for item in items if "promotionName" in item]
    assert len(flagged) == 3 and {item["promotionName"] for item in flagged} == {"house"}
    assert {CATEGORY[item["itemId"]] for item in flagged} == {"cat-03"}
    assert all(item["reason"] == ["Promoted item"] for item in flagged)
    scores = [item["score"] for item in flagged]
    assert scores == sorted(scores, reverse=True), "promoted items in their own score order"
    others = [item for item in items if "promotionName" not in item]
    assert len({item["itemId"] for item in items}) == 10 and len(others) == 7

    code, message = error_of(runtime.get_recommendations, campaignArn=campaign, userId="u2",
                             promotions=[{"name": "house", "percentPromotedItems": 30}])  # fmt: skip
    assert code == "InvalidInputException" and "filterArn" in message


def test_put_events_keeps_impressions_recommendation_and_properties(
    personalize: Any, s3: Any, bucket: str, served: dict[str, Any], unique: str
) -> None:
    runtime = boto3.client("personalize-runtime")
    events = boto3.client("personalize-events")
    schema = json.dumps({
        "type": "record", "name": "Interactions",
        "namespace": "com.amazonaws.personalize.schema",
        "fields": [
            {"name": "USER_ID", "type": "string"}, {"name": "ITEM_ID", "type": "string"},
            {"name": "TIMESTAMP", "type": "long"}, {"name": "EVENT_TYPE", "type": "string"},
            {"name": "IMPRESSION", "type": ["null", "string"]},
            {"name": "NUMBER_OF_RATINGS", "type": ["null", "int"]},
        ],
        "version": "1.0",
    })  # fmt: skip
    group = active_group(personalize, f"pe-{unique}")
    dataset = active_dataset(personalize, group, "Interactions", schema, f"pe-{unique}")
    _, tracker = _tracker(personalize, group, f"pe-{unique}")
    # A recommendationId the runtime gave out: its items are the implicit impressions.
    campaign = _campaign(personalize, f"pe-{unique}", served["version"])
    answer = runtime.get_recommendations(campaignArn=campaign, userId="u1", numResults=3)
    shown = [item["itemId"] for item in answer["itemList"]]
    rid = answer["recommendationId"]
    events.put_events(trackingId=tracker, userId="v1", sessionId="s1", eventList=[
        {"eventType": "click", "itemId": "a", "sentAt": 1_800_000_000,
         "impression": ["a", "b", "c"], "properties": '{"numberOfRatings": "12"}'},
        {"eventType": "click", "itemId": shown[0], "sentAt": 1_800_000_001,
         "recommendationId": rid},
    ])  # fmt: skip

    for bad, word in (('{"impression": "x"}', "impression"), ('{"colour": "red"}', "colour")):
        code, message = error_of(events.put_events, trackingId=tracker, userId="v1",
                                 sessionId="s1", eventList=[{"eventType": "click", "itemId": "a",
                                 "sentAt": 1_800_000_002, "properties": bad}])  # fmt: skip
        assert code == "InvalidInputException" and word in message

    export = run_export(personalize, dataset, f"pe-{unique}", f"s3://{bucket}/pe/")
    assert export["status"] == "ACTIVE", export
    rows = exported_rows(s3, bucket, f"pe/pe-{unique}/").set_index("ITEM_ID")
    assert rows.loc["a", "IMPRESSION"] == "a|b|c"
    assert rows.loc["a", "NUMBER_OF_RATINGS"] in ("12", "12.0")
    assert rows.loc[shown[0], "IMPRESSION"] == "|".join(shown)
    # Its recommendationId is kept for metric attribution (personalize-local/tests/test_metric_attributions).


def test_impressions_left_unanswered_make_an_item_explored_less(
    personalize: Any, served: dict[str, Any], unique: str
) -> None:
    # "Amazon Personalize uses impressions data to guide exploration" (developer guide).
    runtime = boto3.client("personalize-runtime")
    config = {"explorationWeight": "0.2", "explorationItemAgeCutOff": "1"}  # 1 of 10 explored
    campaign = _campaign(personalize, f"imp-{unique}", served["version"],
                         itemExplorationConfig=config)  # fmt: skip

    def explored() -> list[str]:
        items = runtime.get_recommendations(campaignArn=campaign, userId="u3", numResults=10)
        return [i["itemId"] for i in items["itemList"] if i.get("reason") == ["Exploration"]]

    before = explored()
    assert len(before) == 1 and before[0] in COLD
    group = served["loaded"].group
    tracker_arn, tracker = _tracker(personalize, group, f"imp-{unique}")
    shown = [{"eventType": "click", "itemId": "i0", "sentAt": 1_800_000_000 + n,
              "impression": ["i0", before[0]]} for n in range(5)]  # fmt: skip
    boto3.client("personalize-events").put_events(
        trackingId=tracker, userId="viewer", sessionId="s", eventList=shown
    )
    after = explored()
    assert len(after) == 1 and after != before and after[0] in COLD
    personalize.delete_event_tracker(eventTrackerArn=tracker_arn)


def test_a_batch_job_explores_as_its_config_asks(
    personalize: Any, served: dict[str, Any], unique: str
) -> None:
    # botocore's BatchInferenceJobConfig.itemExplorationConfig: "the amount of item exploration
    # Amazon Personalize uses when recommending items".
    s3 = boto3.client("s3")
    users = "".join(json.dumps({"userId": f"u{u}"}) + "\n" for u in range(5))
    s3.put_object(Bucket="serving-options", Key=f"batch-{unique}/users.json", Body=users.encode())

    def recommended(name: str, **config: Any) -> list[list[str]]:
        arn = personalize.create_batch_inference_job(
            jobName=f"{name}-{unique}", solutionVersionArn=served["version"], numResults=20,
            jobInput={"s3DataSource": {"path": f"s3://serving-options/batch-{unique}/users.json"}},
            jobOutput={"s3DataDestination": {"path": f"s3://serving-options/batch-{unique}/{name}/"}},
            roleArn="arn:aws:iam::000000000000:role/PersonalizeS3", **config,
        )["batchInferenceJobArn"]  # fmt: skip
        job = settled(lambda: personalize.describe_batch_inference_job(batchInferenceJobArn=arn)[
            "batchInferenceJob"])  # fmt: skip
        assert job["status"] == "ACTIVE", job
        key = f"batch-{unique}/{name}/users.json.out"
        text = s3.get_object(Bucket="serving-options", Key=key)["Body"].read().decode()
        return [json.loads(line)["output"]["recommendedItems"] for line in text.splitlines()]

    plain = recommended("plain")
    explored = recommended("explored", batchInferenceJobConfig={"itemExplorationConfig": {
        "explorationWeight": "1", "explorationItemAgeCutOff": "1"}})  # fmt: skip
    assert all(len(items) == 20 for items in plain + explored)
    assert sum(item in COLD for items in plain for item in items) == 0
    assert all(sum(item in COLD for item in items) == 10 for items in explored), explored
