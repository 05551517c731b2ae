"""The dataset's Avro schema as the contract for the import file's columns and types.

``DatasetSchema.from_avro(avro, dataset_type)`` reads a parsed ``.avsc`` dict, checks
Personalize's schema rules for the dataset type (required fields and their types, the number
of metadata fields) and gives the fields in schema order, which is the import file's order.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import pyarrow as pa

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
# Fields every dataset of a type must have, with their Avro type.
REQUIRED_FIELDS: dict[str, dict[str, Kind]] = {
    "INTERACTIONS": {"USER_ID": "string", "ITEM_ID": "string", "TIMESTAMP": "long"},
    "ITEMS": {"ITEM_ID": "string"},
    "USERS": {"USER_ID": "string"},
}
ID_FIELDS = frozenset({"USER_ID", "ITEM_ID"})
# Reserved interaction fields that do not count as metadata (Personalize's limit excludes them).
RESERVED_INTERACTION_FIELDS = frozenset(
    {"USER_ID", "ITEM_ID", "TIMESTAMP", "EVENT_TYPE", "EVENT_VALUE", "IMPRESSION",
     "RECOMMENDATION_ID", "EVENT_ATTRIBUTION_SOURCE"}
)  # fmt: skip
MAX_INTERACTION_METADATA = 5


@dataclass(frozen=True)
class FieldSpec:
    """One schema field: its name, Avro primitive type and flags."""

    name: str
    kind: Kind
    nullable: bool
    categorical: bool = False
    textual: bool = False

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
    def metadata_fields(self) -> list[str]:
        """Interaction metadata fields that count towards Personalize's limit of 5."""
        return [f.name for f in self.fields if f.name not in RESERVED_INTERACTION_FIELDS]

    @property
    def optional_fields(self) -> list[str]:
        """Fields beyond USER_ID, ITEM_ID, TIMESTAMP (count with event types towards 10)."""
        required = REQUIRED_FIELDS[self.dataset_type]
        return [f.name for f in self.fields if f.name not in required]

    @classmethod
    def from_avro(cls, avro: dict[str, Any], dataset_type: str) -> DatasetSchema:
        """Read a parsed Avro schema and check it against Personalize's rules."""
        kind = dataset_type.upper()
        if kind not in REQUIRED_FIELDS:
            raise SchemaError(
                f"dataset type {dataset_type!r} is not supported; expected one of "
                f"{', '.join(REQUIRED_FIELDS)}"
            )
        raw_fields = avro.get("fields")
        if avro.get("type") != "record" or not isinstance(raw_fields, list) or not raw_fields:
            raise SchemaError(
                'the schema must be an Avro record: {"type": "record", "fields": [...]}'
            )
        fields = tuple(_field(i, f) for i, f in enumerate(raw_fields))
        schema = cls(dataset_type=kind, fields=fields)  # type: ignore[arg-type]
        schema._check()
        return schema

    def _check(self) -> None:
        names = self.names
        duplicated = sorted({n for n in names if names.count(n) > 1})
        if duplicated:
            raise SchemaError(f"fields {duplicated} appear more than once in the schema")
        for name, kind in REQUIRED_FIELDS[self.dataset_type].items():
            spec = self.field(name)
            if spec is None:
                raise SchemaError(
                    f"{self.dataset_type} schemas must have a field {name} ({kind}); "
                    f"the schema has {names}"
                )
            if spec.kind != kind or spec.nullable:
                raise SchemaError(
                    f"field {name} must be a non-null {kind!r}; the schema declares it "
                    f"{'nullable ' if spec.nullable else ''}{spec.kind!r}"
                )
        if self.dataset_type == "INTERACTIONS":
            metadata = self.metadata_fields
            if len(metadata) > MAX_INTERACTION_METADATA:
                raise SchemaError(
                    f"interactions schemas may have at most {MAX_INTERACTION_METADATA} metadata "
                    f"fields (besides reserved ones); this one has {len(metadata)}: {metadata}"
                )
        elif len(self.fields) < 2:
            raise SchemaError(f"{self.dataset_type} schemas need at least one metadata field")


def _field(index: int, raw: Any) -> FieldSpec:
    if not isinstance(raw, dict) or not isinstance(raw.get("name"), str):
        raise SchemaError(f"fields[{index}]: expected an object with a name and a type")
    name, declared = raw["name"], raw.get("type")
    types = declared if isinstance(declared, list) else [declared]
    nullable = "null" in types
    primitive = [t for t in types if t != "null"]
    if len(primitive) != 1 or primitive[0] not in _ARROW_TYPES:
        raise SchemaError(
            f"fields[{index}] ({name}): type {declared!r} is not supported; expected one of "
            f"{sorted(_ARROW_TYPES)}, optionally in a union with 'null'"
        )
    return FieldSpec(
        name=name,
        kind=primitive[0],
        nullable=nullable,
        categorical=bool(raw.get("categorical")),
        textual=bool(raw.get("textual")),
    )
