"""Domain dataset groups, domain recipes and recommenders over HTTP.

Sources: botocore's model (CreateRecommender's statuses, errors and members, ListRecipes'
``domain``), the developer guide's "ECOMMERCE use cases" and "VIDEO_ON_DEMAND use cases" (recipe
ARNs, required event types and request members), "ECOMMERCE datasets and schemas" (required
fields), and docs/aws-facts.md#statuses (recommender statuses CREATE IN_PROGRESS, ACTIVE).
"""

from __future__ import annotations

import io
import re
import time
from pathlib import Path
from typing import Any

import boto3
import pandas as pd
import pytest

from personalize_facts.metrics import METRIC_NAMES
from personalize_local.process import LocalService
from personalize_local.testing.domain_setup import (
    ECOMMERCE_INTERACTIONS,
    ECOMMERCE_ITEMS,
    RECIPE,
    active_group_of,
    describe,
    ecommerce_events,
    ecommerce_group,
)
from personalize_local.testing.helpers import (
    INTERACTIONS_SCHEMA,
    clients_with_bucket,
    error_of,
    put_csv,
    run_import,
    wait_gone,
)
from personalize_local.testing.training_setup import settled

FOR_YOU = RECIPE + "aws-ecomm-recommended-for-you"
ALSO_VIEWED = RECIPE + "aws-ecomm-customers-who-viewed-x-also-viewed"


def test_list_recipes_by_domain_gives_the_use_cases_aws_names(personalize: Any) -> None:
    ecommerce = {r["recipeArn"] for r in personalize.list_recipes(domain="ECOMMERCE")["recipes"]}
    assert ecommerce == {
        RECIPE + name
        for name in (
            "aws-ecomm-popular-items-by-views",
            "aws-ecomm-popular-items-by-purchases",
            "aws-ecomm-frequently-bought-together",
            "aws-ecomm-customers-who-viewed-x-also-viewed",
            "aws-ecomm-recommended-for-you",
        )
    }
    vod = personalize.list_recipes(domain="VIDEO_ON_DEMAND", maxResults=3)
    assert len(vod["recipes"]) == 3 and "nextToken" in vod
    rest = personalize.list_recipes(domain="VIDEO_ON_DEMAND", nextToken=vod["nextToken"])
    names = {r["name"] for r in vod["recipes"] + rest["recipes"]}
    assert {"aws-vod-top-picks", "aws-vod-because-you-watched-x"} <= names and len(names) == 5
    assert {r["domain"] for r in vod["recipes"]} == {"VIDEO_ON_DEMAND"}
    described = personalize.describe_recipe(recipeArn=FOR_YOU)["recipe"]
    assert described["recipeType"] == "USER_PERSONALIZATION"
    everything = {r["recipeArn"] for r in personalize.list_recipes()["recipes"]}
    assert ecommerce < everything


def test_domain_group_checks_its_schemas(personalize: Any, unique: str) -> None:
    group = active_group_of(personalize, f"dom-{unique}", "ECOMMERCE")
    assert (
        personalize.describe_dataset_group(datasetGroupArn=group)["datasetGroup"]["domain"]
        == "ECOMMERCE"
    )
    custom = personalize.create_schema(name=f"dom-c-{unique}", schema=INTERACTIONS_SCHEMA)
    code, message = error_of(personalize.create_dataset, name=f"dom-a-{unique}",
                             schemaArn=custom["schemaArn"], datasetGroupArn=group,
                             datasetType="Interactions")  # fmt: skip
    assert code == "InvalidInputException" and "domain" in message
    no_category = ECOMMERCE_ITEMS.replace("CATEGORY_L1", "COLOUR")
    items = personalize.create_schema(name=f"dom-i-{unique}", schema=no_category,
                                      domain="ECOMMERCE")  # fmt: skip
    code, message = error_of(personalize.create_dataset, name=f"dom-b-{unique}",
                             schemaArn=items["schemaArn"], datasetGroupArn=group,
                             datasetType="Items")  # fmt: skip
    assert code == "InvalidInputException" and "CATEGORY_L1" in message
    good = personalize.create_schema(name=f"dom-g-{unique}", schema=ECOMMERCE_ITEMS,
                                     domain="ECOMMERCE")  # fmt: skip
    created = personalize.create_dataset(name=f"dom-d-{unique}", schemaArn=good["schemaArn"],
                                         datasetGroupArn=group, datasetType="Items")  # fmt: skip
    assert created["datasetArn"].endswith("/ITEMS")
    interactions = personalize.create_schema(name=f"dom-e-{unique}", domain="ECOMMERCE",
                                             schema=ECOMMERCE_INTERACTIONS)  # fmt: skip
    custom_group = active_group_of(personalize, f"dom-cu-{unique}", None)
    code, _ = error_of(personalize.create_dataset, name=f"dom-f-{unique}",
                       schemaArn=interactions["schemaArn"], datasetGroupArn=custom_group,
                       datasetType="Interactions")  # fmt: skip
    assert code == "InvalidInputException"


def test_recommender_lifecycle(
    personalize: Any, s3: Any, bucket: str, unique: str, local_service: Any
) -> None:
    group, _ = ecommerce_group(personalize, s3, bucket, f"rec-{unique}")
    arn = personalize.create_recommender(
        name=f"rec-{unique}", datasetGroupArn=group, recipeArn=FOR_YOU,
        tags=[{"tagKey": "team", "tagValue": "growth"}],
    )["recommenderArn"]  # fmt: skip
    assert arn.endswith(f":recommender/rec-{unique}")
    assert describe(personalize, arn)["status"] in ("CREATE PENDING", "CREATE IN_PROGRESS",
                                                    "ACTIVE")  # fmt: skip
    body = settled(lambda: describe(personalize, arn))
    assert body["status"] == "ACTIVE", body
    assert set(body["modelMetrics"]) == set(METRIC_NAMES)
    assert body["modelMetrics"]["precision_at_10"] > 0
    assert body["recommenderConfig"]["minRecommendationRequestsPerSecond"] == 1
    assert personalize.list_tags_for_resource(resourceArn=arn)["tags"] == [
        {"tagKey": "team", "tagValue": "growth"}
    ]

    runtime = boto3.client("personalize-runtime")
    answer = runtime.get_recommendations(recommenderArn=arn, userId="u1", numResults=10)
    assert len(answer["itemList"]) == 10 and answer["recommendationId"].startswith("RID-")
    seen = {line.split(",")[1] for line in ecommerce_events().splitlines()[1:]
            if line.startswith("u1,")}  # fmt: skip
    assert seen and not seen & {item["itemId"] for item in answer["itemList"]}
    code, message = error_of(runtime.get_recommendations, recommenderArn=arn)
    assert code == "InvalidInputException" and "userId" in message

    second = personalize.create_recommender(
        name=f"rec2-{unique}", datasetGroupArn=group, recipeArn=ALSO_VIEWED
    )["recommenderArn"]
    first_page = personalize.list_recommenders(datasetGroupArn=group, maxResults=1)
    assert len(first_page["recommenders"]) == 1
    rest = personalize.list_recommenders(datasetGroupArn=group, nextToken=first_page["nextToken"])
    listed = {r["recommenderArn"] for r in first_page["recommenders"] + rest["recommenders"]}
    assert listed == {arn, second}
    code, _ = error_of(personalize.delete_dataset_group, datasetGroupArn=group)
    assert code == "ResourceInUseException"

    personalize.update_recommender(
        recommenderArn=arn, recommenderConfig={"minRecommendationRequestsPerSecond": 3}
    )
    update = settled(lambda: describe(personalize, arn)["latestRecommenderUpdate"])
    assert update["status"] == "ACTIVE"
    assert (
        describe(personalize, arn)["recommenderConfig"]["minRecommendationRequestsPerSecond"] == 3
    )

    personalize.stop_recommender(recommenderArn=arn)
    assert describe(personalize, arn)["status"] in ("STOP PENDING", "STOP IN_PROGRESS",
                                                    "INACTIVE")  # fmt: skip
    assert settled(lambda: describe(personalize, arn))["status"] == "INACTIVE"
    code, message = error_of(runtime.get_recommendations, recommenderArn=arn, userId="u1")
    assert code == "InvalidInputException" and "INACTIVE" in message
    code, _ = error_of(personalize.stop_recommender, recommenderArn=arn)
    assert code == "ResourceInUseException"
    code, _ = error_of(personalize.update_recommender, recommenderArn=arn,
                       recommenderConfig={"minRecommendationRequestsPerSecond": 2})  # fmt: skip
    assert code == "ResourceInUseException"
    personalize.start_recommender(recommenderArn=arn)
    assert settled(lambda: describe(personalize, arn))["status"] == "ACTIVE"
    again = runtime.get_recommendations(recommenderArn=arn, userId="u1", numResults=10)
    assert again["itemList"] == answer["itemList"]

    assert settled(lambda: describe(personalize, second))["status"] == "ACTIVE"
    related = runtime.get_recommendations(recommenderArn=second, itemId="i3", numResults=5)
    assert len(related["itemList"]) == 5 and "i3" not in {i["itemId"] for i in related["itemList"]}
    code, message = error_of(runtime.get_recommendations, recommenderArn=second, userId="u1")
    assert code == "InvalidInputException" and "itemId" in message

    for recommender in (arn, second):
        settled(lambda r=recommender: describe(personalize, r))
        personalize.delete_recommender(recommenderArn=recommender)
        wait_gone(lambda r=recommender: personalize.describe_recommender(recommenderArn=r))
    code, _ = error_of(runtime.get_recommendations, recommenderArn=arn, userId="u1")
    assert code == "ResourceNotFoundException"


def test_a_for_you_recommender_explores_as_its_config_asks(
    personalize: Any, s3: Any, bucket: str, unique: str
) -> None:
    # Developer guide, "Configuring exploration for a domain recommender": Recommended for you
    # and Top picks for you explore; RecommenderConfig.itemExplorationConfig says how much.
    group, _ = ecommerce_group(personalize, s3, bucket, f"explore-{unique}")
    config = {
        "itemExplorationConfig": {"explorationWeight": "1", "explorationItemAgeCutOff": "1000"}
    }

    def answer(name: str, **options: Any) -> list[str]:
        arn = personalize.create_recommender(name=f"{name}-{unique}", datasetGroupArn=group,
                                             recipeArn=FOR_YOU, **options)["recommenderArn"]  # fmt: skip
        assert settled(lambda: describe(personalize, arn))["status"] == "ACTIVE"
        items = boto3.client("personalize-runtime").get_recommendations(
            recommenderArn=arn, userId="u1", numResults=20)["itemList"]  # fmt: skip
        return [item["itemId"] for item in items]

    counts = pd.read_csv(io.StringIO(ecommerce_events()))["ITEM_ID"].value_counts()
    rarest = set(counts.index[-30:])
    plain, explored = answer("plain"), answer("explored", recommenderConfig=config)
    assert len(plain) == len(explored) == 20
    assert len(rarest & set(explored)) >= 10 > len(rarest & set(plain)), (plain, explored)

    code, message = error_of(personalize.create_recommender, name=f"viewed-{unique}",
                             datasetGroupArn=group, recipeArn=ALSO_VIEWED,
                             recommenderConfig=config)  # fmt: skip
    assert code == "InvalidInputException" and "Recommended for you" in message


def test_create_recommender_errors(personalize: Any, s3: Any, bucket: str, unique: str) -> None:
    group, _ = ecommerce_group(personalize, s3, bucket, f"recbad-{unique}")
    custom = active_group_of(personalize, f"recbad-c-{unique}", None)
    for group_arn, recipe, expected in (
        (custom, FOR_YOU, "custom"),
        (group, RECIPE + "aws-user-personalization-v2", "not a domain recipe"),
        (group, RECIPE + "aws-vod-top-picks", "VIDEO_ON_DEMAND"),
    ):
        code, message = error_of(personalize.create_recommender, name=f"x-{unique}",
                                 datasetGroupArn=group_arn, recipeArn=recipe)  # fmt: skip
        assert code == "InvalidInputException" and expected in message, message
    missing = group.replace(f"recbad-{unique}", f"nope-{unique}")
    code, _ = error_of(personalize.create_recommender, name=f"y-{unique}",
                       datasetGroupArn=missing, recipeArn=FOR_YOU)  # fmt: skip
    assert code == "ResourceNotFoundException"
    code, _ = error_of(
        personalize.describe_recommender,
        recommenderArn=missing.replace("dataset-group", "recommender"),
    )
    assert code == "ResourceNotFoundException"

    # Best sellers need 1000 Purchase events; the planted data has about 400.
    arn = personalize.create_recommender(
        name=f"z-{unique}", datasetGroupArn=group,
        recipeArn=RECIPE + "aws-ecomm-popular-items-by-purchases",
    )["recommenderArn"]  # fmt: skip
    code, _ = error_of(personalize.create_recommender, name=f"z-{unique}",
                       datasetGroupArn=group, recipeArn=FOR_YOU)  # fmt: skip
    assert code == "ResourceAlreadyExistsException"
    failed = settled(lambda: describe(personalize, arn))
    assert failed["status"] == "CREATE FAILED"
    assert "Purchase" in failed["failureReason"] and "1000" in failed["failureReason"]
    code, _ = error_of(personalize.start_recommender, recommenderArn=arn)
    assert code == "ResourceInUseException"


@pytest.mark.slow
def test_weekly_retraining_scaled_by_latency(tmp_path: Path) -> None:
    # --latency 0.000002: a week is 1.2 s, so AWS's own weekly retraining is observable.
    with LocalService(tmp_path, latency="0.000002") as service:
        client = clients_with_bucket(service, "weekly")
        personalize, s3 = client("personalize"), client("s3")
        group, dataset = ecommerce_group(personalize, s3, "weekly", "weekly")
        arn = personalize.create_recommender(
            name="weekly", datasetGroupArn=group, recipeArn=FOR_YOU
        )["recommenderArn"]
        before = settled(lambda: describe(personalize, arn))
        assert before["status"] == "ACTIVE", before
        more = re.sub("^u", "new-u", ecommerce_events(seed=1, start=1_800_000_000), flags=re.M)
        uri = put_csv(s3, "weekly", "more.csv", more)
        assert run_import(personalize, dataset, uri, "more", "INCREMENTAL")["status"] == "ACTIVE"
        deadline = time.monotonic() + 60
        while describe(personalize, arn)["modelMetrics"] == before["modelMetrics"]:
            assert time.monotonic() < deadline, "the recommender was not retrained"
            time.sleep(0.2)
        after = describe(personalize, arn)
        assert after["status"] == "ACTIVE"
        answer = client("personalize-runtime").get_recommendations(
            recommenderArn=arn, userId="new-u1", numResults=5
        )
        assert len(answer["itemList"]) == 5
