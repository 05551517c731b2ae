"""Schemas over HTTP: lifecycle, Personalize's Avro rules, in-use deletes, pagination."""

from __future__ import annotations

import json
from typing import Any

import pytest

from personalize_local.avro_schema import check_dataset_type, parse_schema
from personalize_local.errors import InvalidInputException
from personalize_local.testing.helpers import (
    INTERACTIONS_SCHEMA,
    ITEMS_SCHEMA,
    active_dataset,
    active_group,
    error_of,
)


def record(*fields: dict[str, Any]) -> str:
    return json.dumps({"type": "record", "name": "Interactions", "fields": list(fields)})


REQUIRED = (
    {"name": "USER_ID", "type": "string"},
    {"name": "ITEM_ID", "type": "string"},
    {"name": "TIMESTAMP", "type": "long"},
)


def test_schema_lifecycle(personalize: Any, unique: str) -> None:
    arn = personalize.create_schema(name=f"s-{unique}", schema=INTERACTIONS_SCHEMA)["schemaArn"]
    assert arn == f"arn:aws:personalize:us-east-1:000000000000:schema/s-{unique}"
    schema = personalize.describe_schema(schemaArn=arn)["schema"]
    assert schema["name"] == f"s-{unique}"
    assert json.loads(schema["schema"]) == json.loads(INTERACTIONS_SCHEMA)
    listed = [s["schemaArn"] for s in personalize.get_paginator("list_schemas").paginate()
              .build_full_result()["schemas"]]  # fmt: skip
    assert arn in listed
    personalize.delete_schema(schemaArn=arn)
    assert error_of(personalize.describe_schema, schemaArn=arn)[0] == "ResourceNotFoundException"


def test_duplicate_schema_name(personalize: Any, unique: str) -> None:
    personalize.create_schema(name=f"dup-{unique}", schema=INTERACTIONS_SCHEMA)
    code, _ = error_of(personalize.create_schema, name=f"dup-{unique}", schema=ITEMS_SCHEMA)
    assert code == "ResourceAlreadyExistsException"


@pytest.mark.parametrize(
    ("schema", "says"),
    [
        ("{not json", "not valid JSON"),
        (json.dumps({"type": "string"}), "must be an Avro record"),
        (record(*REQUIRED, {"name": "TAGS", "type": {"type": "array", "items": "string"}}),
         "complex types"),
        (record(*REQUIRED, {"name": "WHEN", "type": "bytes"}), "not supported"),
        (record(*REQUIRED, {"name": "AGE", "type": "int", "categorical": True}),
         "only string fields can be categorical"),
        (record(*REQUIRED, {"name": "bad-name", "type": "string"}), "not valid"),
        (record(*REQUIRED, {"name": "GENRE_1", "type": "string"},
                {"name": "GENRE1", "type": "string"}), "same alphanumeric name"),
        (record(*REQUIRED, {"name": "X", "type": "strin"}), "not valid Avro"),
    ],
)  # fmt: skip
def test_bad_schema_is_rejected_saying_why(
    personalize: Any, unique: str, schema: str, says: str
) -> None:
    code, message = error_of(personalize.create_schema, name=f"bad-{unique}", schema=schema)
    assert code == "InvalidInputException"
    assert says in message
    assert all(s["name"] != f"bad-{unique}" for s in personalize.list_schemas()["schemas"])


@pytest.mark.parametrize(
    ("fields", "dataset_type", "says"),
    [
        (REQUIRED[:2], "INTERACTIONS", "needs the field TIMESTAMP of type long"),
        ((*REQUIRED[:2], {"name": "TIMESTAMP", "type": "string"}), "INTERACTIONS",
         "must be of type \"long\""),
        ((*REQUIRED, {"name": "EVENT_TYPE", "type": "int"}), "INTERACTIONS",
         "Reserved field EVENT_TYPE"),
        ((*REQUIRED, {"name": "EVENT_TYPE", "type": "string", "categorical": True}),
         "INTERACTIONS", "cannot be categorical"),
        ((*REQUIRED, *({"name": f"M{i}", "type": "int"} for i in range(6))), "INTERACTIONS",
         "at most 5 metadata fields"),
        ((*REQUIRED, {"name": "DESC", "type": "string", "textual": True}), "INTERACTIONS",
         "only an Items dataset can have textual"),
        (({"name": "ITEM_ID", "type": "string"},), "ITEMS", "at least 1 metadata field"),
        (({"name": "ITEM_ID", "type": ["null", "string"]}, {"name": "A", "type": "int"}),
         "ITEMS", "must be of type \"string\" (not null)"),
        (({"name": "ITEM_ID", "type": "string"}, {"name": "A", "type": "int"}), "USERS",
         "needs the field USER_ID"),
    ],
)  # fmt: skip
def test_dataset_type_rules(
    fields: tuple[dict[str, Any], ...], dataset_type: str, says: str
) -> None:
    schema = parse_schema(record(*fields))
    with pytest.raises(InvalidInputException) as error:
        check_dataset_type(schema, dataset_type)
    assert says in error.value.message


def test_textual_items_schema_is_fine() -> None:
    fields = ({"name": "ITEM_ID", "type": "string"},
              {"name": "DESCRIPTION", "type": ["null", "string"], "textual": True},
              {"name": "CREATION_TIMESTAMP", "type": "long"})  # fmt: skip
    check_dataset_type(parse_schema(record(*fields)), "ITEMS")


def test_schema_of_wrong_type_is_rejected_at_create_dataset(personalize: Any, unique: str) -> None:
    group = active_group(personalize, f"g-{unique}")
    schema = personalize.create_schema(name=f"items-{unique}", schema=ITEMS_SCHEMA)["schemaArn"]
    code, message = error_of(personalize.create_dataset, name=f"d-{unique}", schemaArn=schema,
                             datasetGroupArn=group, datasetType="Interactions")  # fmt: skip
    assert code == "InvalidInputException"
    assert "USER_ID" in message
    assert personalize.list_datasets(datasetGroupArn=group)["datasets"] == []


def test_schema_in_use_cannot_be_deleted(personalize: Any, unique: str) -> None:
    group = active_group(personalize, f"g-{unique}")
    dataset = active_dataset(personalize, group, "Interactions", INTERACTIONS_SCHEMA, f"d-{unique}")
    schema_arn = personalize.describe_dataset(datasetArn=dataset)["dataset"]["schemaArn"]
    code, message = error_of(personalize.delete_schema, schemaArn=schema_arn)
    assert code == "ResourceInUseException"
    assert dataset in message
    assert personalize.describe_schema(schemaArn=schema_arn)["schema"]["schemaArn"] == schema_arn
