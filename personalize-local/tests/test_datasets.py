"""Datasets over HTTP: lifecycle, one per type per group, delete rules, listing by group."""

from __future__ import annotations

from typing import Any

from personalize_local.testing.helpers import (
    INTERACTIONS_SCHEMA,
    ITEMS_SCHEMA,
    active_dataset,
    active_group,
    error_of,
    wait_gone,
    wait_status,
)


def test_dataset_lifecycle(personalize: Any, unique: str) -> None:
    group = active_group(personalize, f"g-{unique}")
    schema = personalize.create_schema(name=f"s-{unique}", schema=INTERACTIONS_SCHEMA)["schemaArn"]
    arn = personalize.create_dataset(
        name=f"d-{unique}", schemaArn=schema, datasetGroupArn=group, datasetType="Interactions",
        tags=[{"tagKey": "team", "tagValue": "recs"}],
    )["datasetArn"]  # fmt: skip
    assert arn == f"arn:aws:personalize:us-east-1:000000000000:dataset/g-{unique}/INTERACTIONS"
    dataset = wait_status(lambda: personalize.describe_dataset(datasetArn=arn), "dataset", "ACTIVE")
    assert dataset["datasetGroupArn"] == group
    assert dataset["datasetType"] == "INTERACTIONS"
    assert dataset["schemaArn"] == schema
    assert personalize.list_tags_for_resource(resourceArn=arn)["tags"] == [
        {"tagKey": "team", "tagValue": "recs"}
    ]
    listed = personalize.list_datasets(datasetGroupArn=group)["datasets"]
    assert [d["datasetArn"] for d in listed] == [arn]
    assert listed[0]["status"] == "ACTIVE"

    code, _ = error_of(personalize.delete_dataset_group, datasetGroupArn=group)
    assert code == "ResourceInUseException"

    personalize.delete_dataset(datasetArn=arn)
    wait_gone(lambda: personalize.describe_dataset(datasetArn=arn))
    personalize.delete_dataset_group(datasetGroupArn=group)
    wait_gone(lambda: personalize.describe_dataset_group(datasetGroupArn=group))


def test_one_dataset_per_type_per_group(personalize: Any, unique: str) -> None:
    group = active_group(personalize, f"g-{unique}")
    active_dataset(personalize, group, "Items", ITEMS_SCHEMA, f"items-{unique}")
    schema = personalize.create_schema(name=f"s2-{unique}", schema=ITEMS_SCHEMA)["schemaArn"]
    code, _ = error_of(personalize.create_dataset, name=f"again-{unique}", schemaArn=schema,
                       datasetGroupArn=group, datasetType="ITEMS")  # fmt: skip
    assert code == "ResourceAlreadyExistsException"


def test_dataset_needs_existing_group_schema_and_known_type(personalize: Any, unique: str) -> None:
    group = active_group(personalize, f"g-{unique}")
    schema = personalize.create_schema(name=f"s-{unique}", schema=ITEMS_SCHEMA)["schemaArn"]
    missing_group = group.replace(f"g-{unique}", f"nope-{unique}")
    code, _ = error_of(personalize.create_dataset, name="d", schemaArn=schema,
                       datasetGroupArn=missing_group, datasetType="Items")  # fmt: skip
    assert code == "ResourceNotFoundException"
    code, _ = error_of(personalize.create_dataset, name="d", schemaArn=schema + "-nope",
                       datasetGroupArn=group, datasetType="Items")  # fmt: skip
    assert code == "ResourceNotFoundException"
    code, message = error_of(personalize.create_dataset, name="d", schemaArn=schema,
                             datasetGroupArn=group, datasetType="Widgets")  # fmt: skip
    assert code == "InvalidInputException"
    assert "Interactions" in message


def test_list_datasets_pages_through_a_group(personalize: Any, unique: str) -> None:
    group = active_group(personalize, f"g-{unique}")
    active_dataset(personalize, group, "Items", ITEMS_SCHEMA, f"items-{unique}")
    active_dataset(personalize, group, "Interactions", INTERACTIONS_SCHEMA, f"int-{unique}")
    pages = list(personalize.get_paginator("list_datasets").paginate(
        datasetGroupArn=group, PaginationConfig={"PageSize": 1}))  # fmt: skip
    assert [len(p["datasets"]) for p in pages] == [1, 1]
    assert {p["datasets"][0]["datasetType"] for p in pages} == {"ITEMS", "INTERACTIONS"}
    code, _ = error_of(personalize.list_datasets, datasetGroupArn=group, nextToken="garbage")
    assert code == "InvalidNextTokenException"
