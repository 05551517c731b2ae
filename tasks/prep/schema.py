"""The dataset's Avro schema as the contract for the import file's columns and types.

``DatasetSchema.from_avro(avro, dataset_type)`` reads a parsed ``.avsc`` dict, checks
Personalize's schema rules for the dataset type (:mod:`personalize_facts.avro`: required and
reserved fields and their types, the number of metadata fields) and gives the fields in schema
order, which is the import file's order.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal, cast

import pyarrow as pa

from personalize_facts.avro import RULES, Field, SchemaRuleError, check_dataset_type, parse_schema
from tasks.prep.errors import SchemaError

DatasetType = Literal["INTERACTIONS", "ITEMS", "USERS"]
Kind = Literal["string", "long", "int", "float", "double", "boolean"]

_ARROW_TYPES: dict[str, pa.DataType] = {
    "string": pa.string(),
    "long": pa.int64(),
    "int": pa.int32(),
    "float": pa.float32(),
    "double": pa.float64(),
    "boolean": pa.bool_(),
}
ID_FIELDS = frozenset({"USER_ID", "ITEM_ID"})
PREPARED_TYPES = ("INTERACTIONS", "ITEMS", "USERS")


@dataclass(frozen=True)
class FieldSpec(Field):
    """One schema field (:class:`personalize_facts.avro.Field`) with what preparation needs."""

    @property
    def kind(self) -> Kind:
        """The field's Avro primitive type."""
        return cast(Kind, self.type)

    @property
    def arrow_type(self) -> pa.DataType:
        """The Arrow type the column is cast to."""
        return _ARROW_TYPES[self.kind]

    @property
    def is_id(self) -> bool:
        """Whether Personalize's id rules apply (non-empty, at most 256 characters)."""
        return self.name in ID_FIELDS


@dataclass(frozen=True)
class DatasetSchema:
    """The fields of a dataset's schema, in order, for one dataset type."""

    dataset_type: DatasetType
    fields: tuple[FieldSpec, ...]

    @property
    def names(self) -> list[str]:
        """Field names in schema order (the import file's header)."""
        return [f.name for f in self.fields]

    def field(self, name: str) -> FieldSpec | None:
        """The field called ``name``, if the schema has it."""
        return next((f for f in self.fields if f.name == name), None)

    @property
    def optional_fields(self) -> list[str]:
        """Fields beyond USER_ID, ITEM_ID, TIMESTAMP (count with event types towards 10)."""
        required = RULES[self.dataset_type].required
        return [f.name for f in self.fields if f.name not in required]

    @classmethod
    def from_avro(cls, avro: dict[str, Any], dataset_type: str) -> DatasetSchema:
        """Read a parsed Avro schema and check it against Personalize's rules
        (:mod:`personalize_facts.avro`, as CreateSchema and CreateDataset check it)."""
        kind = dataset_type.upper()
        if kind not in PREPARED_TYPES:
            raise SchemaError(
                f"dataset type {dataset_type!r} is not supported; expected one of "
                f"{', '.join(PREPARED_TYPES)}"
            )
        try:
            parsed = parse_schema(avro)
            check_dataset_type(parsed, kind)
        except SchemaRuleError as error:
            raise SchemaError(str(error)) from None
        fields = tuple(
            FieldSpec(f.name, f.type, f.nullable, f.categorical, f.textual) for f in parsed.fields
        )
        return cls(dataset_type=cast(DatasetType, kind), fields=fields)
