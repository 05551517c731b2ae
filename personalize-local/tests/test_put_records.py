"""PutItems, PutUsers, PutActions, PutActionInteractions over HTTP: checks and where rows land.

Sources: botocore's personalize-events model (1-10 records per call, ``properties`` a JSON
string, the errors each operation lists) and the developer guide, "Importing items
individually" (camelCase property keys match the schema's fields; records imported one by one
are kept apart from bulk data, which a FULL import replaces).
"""

from __future__ import annotations

import json
from typing import Any

import boto3
import pytest
from botocore.config import Config

from personalize_local.process import LocalService
from personalize_local.testing.helpers import (
    ITEMS_SCHEMA,
    USERS_SCHEMA,
    active_dataset,
    active_group,
    error_of,
    items_csv,
    put_csv,
    run_import,
    stored_rows,
    wait_status,
)
from personalize_local.testing.training_setup import (
    active_campaign,
    active_solution,
    loaded_group,
    recommended,
    train,
)


@pytest.fixture
def events(local_service: LocalService) -> Any:
    """A personalize-events client for the local service."""
    return boto3.client("personalize-events")


@pytest.fixture
def group(personalize: Any, unique: str) -> str:
    return active_group(personalize, f"g-{unique}")


def test_put_items_land_beside_bulk_rows_and_survive_a_full_import(
    personalize: Any, events: Any, s3: Any, bucket: str, group: str, unique: str,
    local_service: LocalService,
) -> None:  # fmt: skip
    items = active_dataset(personalize, group, "Items", ITEMS_SCHEMA, f"items-{unique}")
    uri = put_csv(s3, bucket, "items.csv", items_csv(5))
    assert run_import(personalize, items, uri, f"a-{unique}")["status"] == "ACTIVE"
    events.put_items(datasetArn=items, items=[
        {"itemId": "i1", "properties": json.dumps({"category": "boots", "price": "9.5"})},
        {"itemId": "new", "properties": json.dumps({"category": "hats"})},
    ])  # fmt: skip
    rows = stored_rows(local_service.data_dir, items).set_index("ITEM_ID")
    assert len(rows) == 6  # i0-i4 and "new"; the put i1 replaces the imported one
    assert (rows.loc["i1", "CATEGORY"], rows.loc["i1", "PRICE"]) == ("boots", 9.5)
    assert rows.loc["new", "CATEGORY"] == "hats" and rows["PRICE"].isna().sum() == 1

    assert run_import(personalize, items, uri, f"b-{unique}")["status"] == "ACTIVE"
    rows = stored_rows(local_service.data_dir, items).set_index("ITEM_ID")
    assert "new" in rows.index  # a FULL import replaces bulk data only


def test_put_users_and_bad_records_change_nothing(
    personalize: Any, events: Any, group: str, unique: str, local_service: LocalService
) -> None:
    users = active_dataset(personalize, group, "Users", USERS_SCHEMA, f"users-{unique}")
    events.put_users(datasetArn=users, users=[{"userId": "u1", "properties": '{"age": 41}'}])
    bad_batches = [
        ([{"userId": "u2", "properties": '{"age": "old"}'}], "users[1].properties.age"),
        ([{"userId": "u2"}, {"userId": "u3", "properties": '{"height": 3}'}], "'height'"),
        ([{"userId": "u2", "properties": "[1]"}], "must be a JSON object"),
    ]
    for batch, says in bad_batches:
        code, message = error_of(events.put_users, datasetArn=users, users=batch)
        assert (code, says in message) == ("InvalidInputException", True), message
    rows = stored_rows(local_service.data_dir, users)
    assert rows["USER_ID"].tolist() == ["u1"] and rows["AGE"].tolist() == [41]


def test_required_property_and_dataset_type(
    personalize: Any, events: Any, group: str, unique: str
) -> None:
    items = active_dataset(personalize, group, "Items", ITEMS_SCHEMA, f"items-{unique}")
    code, message = error_of(events.put_items, datasetArn=items, items=[{"itemId": "x"}])
    assert code == "InvalidInputException"
    assert "CATEGORY" in message and "'category'" in message
    code, message = error_of(events.put_users, datasetArn=items, users=[{"userId": "u"}])
    assert code == "InvalidInputException" and "Items dataset" in message


def test_limits_and_unknown_dataset(events: Any, group: str, unique: str) -> None:
    missing = group.replace("dataset-group/", "dataset/") + "/ITEMS"
    code, _ = error_of(events.put_items, datasetArn=missing, items=[{"itemId": "x"}])
    assert code == "ResourceNotFoundException"
    raw = boto3.client("personalize-events", config=Config(parameter_validation=False))
    eleven = [{"itemId": f"i{n}"} for n in range(11)]
    code, message = error_of(raw.put_items, datasetArn=missing, items=eleven)
    assert code == "ValidationException" and "less than or equal to 10" in message


def test_put_actions_and_action_interactions(
    personalize: Any, events: Any, group: str, unique: str, local_service: LocalService
) -> None:
    actions_schema = json.dumps({"type": "record", "name": "Actions", "fields": [
        {"name": "ACTION_ID", "type": "string"},
        {"name": "VALUE", "type": ["long", "null"]},
        {"name": "KIND", "type": "string", "categorical": True}]})  # fmt: skip
    interactions_schema = json.dumps({"type": "record", "name": "ActionInteractions", "fields": [
        {"name": "USER_ID", "type": "string"}, {"name": "ACTION_ID", "type": "string"},
        {"name": "TIMESTAMP", "type": "long"}, {"name": "EVENT_TYPE", "type": "string"},
        {"name": "PLATFORM", "type": ["null", "string"]}]})  # fmt: skip
    actions = active_dataset(personalize, group, "Actions", actions_schema, f"a-{unique}")
    taken = active_dataset(personalize, group, "Action_Interactions", interactions_schema,
                           f"ai-{unique}")  # fmt: skip
    events.put_actions(datasetArn=actions, actions=[
        {"actionId": "join", "properties": '{"value": 10, "kind": "membership"}'}])  # fmt: skip
    assert stored_rows(local_service.data_dir, actions)["VALUE"].tolist() == [10]

    tracking_id = personalize.describe_dataset(datasetArn=taken)["dataset"]["trackingId"]
    events.put_action_interactions(trackingId=tracking_id, actionInteractions=[
        {"actionId": "join", "userId": "u1", "sessionId": "s", "timestamp": 1_700_000_000,
         "eventType": "Taken", "properties": '{"platform": "ios"}'}])  # fmt: skip
    rows = stored_rows(local_service.data_dir, taken)
    assert rows[["USER_ID", "ACTION_ID", "TIMESTAMP", "EVENT_TYPE", "PLATFORM"]].values.tolist() \
        == [["u1", "join", 1_700_000_000, "Taken", "ios"]]  # fmt: skip
    code, _ = error_of(events.put_action_interactions, trackingId="no-such-tracker",
                       actionInteractions=[{"actionId": "a", "sessionId": "s",
                                            "timestamp": 1, "eventType": "Taken"}])  # fmt: skip
    assert code == "ResourceNotFoundException"


@pytest.mark.slow
def test_filters_see_put_items_at_once(
    personalize: Any, events: Any, s3: Any, bucket: str, unique: str
) -> None:
    group = loaded_group(personalize, s3, bucket, f"puts-{unique}")
    solution = active_solution(personalize, group, f"s-{unique}", "aws-user-personalization-v2")
    campaign = active_campaign(personalize, f"c-{unique}",
                               train(personalize, solution)["solutionVersionArn"])  # fmt: skip
    featured = personalize.create_filter(
        name=f"featured-{unique}", datasetGroupArn=group,
        filterExpression='INCLUDE ItemID WHERE Items.CATEGORY IN ("featured")',
    )["filterArn"]  # fmt: skip
    wait_status(lambda: personalize.describe_filter(filterArn=featured), "filter", "ACTIVE")
    runtime = boto3.client("personalize-runtime")
    assert recommended(runtime, campaign, "u1", filterArn=featured) == []

    items = next(d["datasetArn"] for d in personalize.list_datasets(datasetGroupArn=group)
                 ["datasets"] if d["datasetType"] == "ITEMS")  # fmt: skip
    events.put_items(datasetArn=items, items=[
        {"itemId": item, "properties": '{"category": "featured"}'} for item in ("i3", "i5")])  # fmt: skip
    shown = recommended(runtime, campaign, "u1", filterArn=featured)
    assert shown and set(shown) <= {"i3", "i5"}
