"""Personalize's dataset schema rules, raised as SchemaRuleError naming the field and the fix."""

from __future__ import annotations

import pytest

from personalize_facts.avro import SchemaRuleError, check_dataset_type, parse_schema


def record(*fields: dict[str, object]) -> dict[str, object]:
    """An Avro record schema with these fields."""
    return {"type": "record", "name": "R", "fields": list(fields)}


def test_a_parsed_schema_keeps_field_order_types_and_flags() -> None:
    schema = parse_schema(
        record(
            {"name": "ITEM_ID", "type": "string"},
            {"name": "GENRE", "type": ["null", "string"], "categorical": True},
        )
    )
    assert schema.names == ["ITEM_ID", "GENRE"]
    genre = schema.field("GENRE")
    assert genre is not None and genre.nullable and genre.categorical and genre.type == "string"
    check_dataset_type(schema, "ITEMS")


def test_a_required_field_of_the_wrong_type_is_named_with_the_type_it_needs() -> None:
    schema = parse_schema(
        record(
            {"name": "USER_ID", "type": "string"},
            {"name": "ITEM_ID", "type": "string"},
            {"name": "TIMESTAMP", "type": "string"},
        )
    )
    with pytest.raises(SchemaRuleError, match=r'Field TIMESTAMP .* must be of type "long"'):
        check_dataset_type(schema, "INTERACTIONS")


def test_names_that_collide_ignoring_case_and_underscores_are_refused() -> None:
    with pytest.raises(SchemaRuleError, match="Fields ITEM_ID and itemid"):
        parse_schema(
            record({"name": "ITEM_ID", "type": "string"}, {"name": "itemid", "type": "string"})
        )
