"""Which schema changes provision may make (the developer guide, "Replacing a dataset's schema")."""

from __future__ import annotations

from typing import Any

from tasks.schema_changes import refusal, schema_change, versioned_name


def record(*fields: dict[str, Any]) -> dict[str, Any]:
    return {"type": "record", "name": "Items", "fields": list(fields)}


ITEM_ID = {"name": "ITEM_ID", "type": "string"}
CATEGORY = {"name": "CATEGORY", "type": "string", "categorical": True}


def test_adding_an_optional_field_is_allowed_and_order_does_not_matter() -> None:
    live = record(ITEM_ID, CATEGORY)
    change = schema_change(live, record(CATEGORY, ITEM_ID), "ITEMS")
    assert not change.changed
    change = schema_change(live, record(ITEM_ID, CATEGORY, {"name": "COLOR",
                                                            "type": ["string", "null"]}), "items")  # fmt: skip
    assert change.allowed and change.added == ["COLOR"]


def test_every_forbidden_change_is_named() -> None:
    live = record(ITEM_ID, CATEGORY, {"name": "PRICE", "type": ["null", "float"]})
    configured = record(
        ITEM_ID,
        {"name": "CATEGORY", "type": "string"},
        {"name": "STOCK", "type": "int"},
    )
    change = schema_change(live, configured, "ITEMS")
    assert not change.allowed
    assert change.problems == [
        "drops the field PRICE",
        "changes the field CATEGORY from string, categorical to string",
        "adds the field STOCK, which does not allow null",
    ]
    message = refusal("demo-items", change)
    assert "demo-items" in message and "drops the field PRICE" in message


def test_interactions_schema_cannot_be_replaced() -> None:
    live = record(ITEM_ID)
    wider = record(ITEM_ID, {"name": "X", "type": ["null", "string"]})
    change = schema_change(live, wider, "INTERACTIONS")
    assert change.problems == ["the schema of the Interactions dataset cannot be replaced"]


def test_versioned_names_are_stable_short_and_distinct() -> None:
    a = versioned_name("x" * 70, record(ITEM_ID))
    assert a == versioned_name("x" * 70, record(ITEM_ID)) and len(a) <= 63
    assert a != versioned_name("x" * 70, record(ITEM_ID, CATEGORY))
