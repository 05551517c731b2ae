"""The Avro schema as the contract: required fields, types, metadata limits."""

from __future__ import annotations

import pytest

from tasks.prep.errors import SchemaError
from tasks.prep.schema import DatasetSchema
from tests.tasks.prep.conftest import INTERACTIONS, avro


def test_fields_in_schema_order_with_types_and_flags() -> None:
    schema = DatasetSchema.from_avro(
        avro(("ITEM_ID", "string"), ("GENRE", ["null", "string"]), GENRE={"categorical": True}),
        "items",
    )
    assert schema.names == ["ITEM_ID", "GENRE"]
    genre = schema.field("GENRE")
    assert genre is not None and genre.nullable and genre.categorical


def test_required_field_missing_names_it() -> None:
    with pytest.raises(SchemaError, match="needs the field TIMESTAMP of type long"):
        DatasetSchema.from_avro(avro(("USER_ID", "string"), ("ITEM_ID", "string")), "INTERACTIONS")


def test_required_field_with_wrong_type() -> None:
    fields = [("USER_ID", "string"), ("ITEM_ID", "string"), ("TIMESTAMP", "string")]
    with pytest.raises(
        SchemaError,
        match=r'Field TIMESTAMP of a Interactions dataset must be of type "long" \(not null\)',
    ):
        DatasetSchema.from_avro(avro(*fields), "INTERACTIONS")


def test_at_most_five_metadata_fields_on_interactions() -> None:
    extra = [(f"M{i}", ["null", "string"]) for i in range(6)]
    base = [(f["name"], f["type"]) for f in INTERACTIONS["fields"]]
    with pytest.raises(SchemaError, match=r"at most 5 metadata fields; this schema has 6"):
        DatasetSchema.from_avro(avro(*base, *extra), "INTERACTIONS")


def test_unsupported_type_and_dataset_type() -> None:
    with pytest.raises(SchemaError, match=r'Field X: type "bytes" is not supported'):
        DatasetSchema.from_avro(avro(("ITEM_ID", "string"), ("X", "bytes")), "ITEMS")
    with pytest.raises(SchemaError, match="dataset type 'ACTIONS' is not supported"):
        DatasetSchema.from_avro(INTERACTIONS, "ACTIONS")
