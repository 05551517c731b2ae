"""Personalize's rules for dataset schemas: Avro records of flat, typed, named fields.

``parse_schema`` checks what holds for every schema (CreateSchema); ``check_dataset_type``
checks what a dataset type needs (CreateDataset: a schema has no type until then). Both raise
:class:`SchemaRuleError` saying what is wrong and how to fix it. The pipeline checks its
configured schemas with them before any AWS call; the local service answers CreateSchema and
CreateDataset with them.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

import fastavro
from fastavro.schema import SchemaParseException, UnknownType


class SchemaRuleError(ValueError):
    """A schema breaks one of Personalize's rules; the message says which and how to fix it."""


PRIMITIVES = frozenset({"string", "int", "long", "float", "double", "boolean"})
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


@dataclass(frozen=True)
class Field:
    """One column of a dataset: its Avro type, whether it may be empty, how it is used."""

    name: str
    type: str
    nullable: bool
    categorical: bool = False
    textual: bool = False


@dataclass(frozen=True)
class DatasetSchema:
    """A parsed schema: its fields in the order the CSV columns should follow."""

    fields: tuple[Field, ...]

    def field(self, name: str) -> Field | None:
        """The field of that name, or None."""
        return next((f for f in self.fields if f.name == name), None)

    @property
    def names(self) -> list[str]:
        """The field names, in schema order."""
        return [f.name for f in self.fields]


@dataclass(frozen=True)
class TypeRules:
    """What one dataset type needs: required and reserved fields, metadata limits."""

    required: dict[str, str]
    reserved: dict[str, set[str]]
    max_metadata: int
    min_metadata: int = 0
    textual_allowed: bool = False


# From Personalize's developer guide (custom datasets and schemas; service quotas).
_NULLABLE_STRING = {"string", "string|null"}
RULES: dict[str, TypeRules] = {
    "INTERACTIONS": TypeRules(
        required={"USER_ID": "string", "ITEM_ID": "string", "TIMESTAMP": "long"},
        reserved={
            "EVENT_TYPE": {"string"},
            "EVENT_VALUE": {"float", "float|null"},
            "IMPRESSION": _NULLABLE_STRING,
            "RECOMMENDATION_ID": _NULLABLE_STRING,
            "EVENT_ATTRIBUTION_SOURCE": _NULLABLE_STRING,
        },
        max_metadata=5,
    ),
    "ITEMS": TypeRules(
        required={"ITEM_ID": "string"},
        reserved={"CREATION_TIMESTAMP": {"long"}},
        max_metadata=100,
        min_metadata=1,
        textual_allowed=True,
    ),
    "USERS": TypeRules(
        required={"USER_ID": "string"}, reserved={}, max_metadata=25, min_metadata=1
    ),
    "ACTIONS": TypeRules(
        required={"ACTION_ID": "string"},
        reserved={
            "CREATION_TIMESTAMP": {"long"},
            "VALUE": {"long", "long|null"},
            "TYPE": _NULLABLE_STRING,
            "EXPIRATION_TIMESTAMP": {"long", "long|null"},
            "REPEAT_FREQUENCY": {"long", "long|null"},
        },
        max_metadata=10,
        min_metadata=1,
    ),
    "ACTION_INTERACTIONS": TypeRules(
        required={
            "USER_ID": "string",
            "ACTION_ID": "string",
            "EVENT_TYPE": "string",
            "TIMESTAMP": "long",
        },
        reserved={"IMPRESSION": _NULLABLE_STRING, "RECOMMENDATION_ID": _NULLABLE_STRING},
        max_metadata=5,
    ),
}
RULES["EVENT_INTERACTIONS"] = RULES["INTERACTIONS"]


def parse_schema(text: str | dict[str, Any]) -> DatasetSchema:
    """Parse an Avro schema (JSON text or its parsed form) and check Personalize's general
    rules; raise what is wrong."""
    try:
        raw = json.loads(text) if isinstance(text, str) else text
    except json.JSONDecodeError as error:
        raise SchemaRuleError(f"The schema is not valid JSON: {error}.") from None
    if not isinstance(raw, dict) or raw.get("type") != "record":
        raise SchemaRuleError(
            'The schema must be an Avro record: {"type": "record", "name": ..., "fields": [...]}.'
        )
    if not isinstance(raw.get("fields"), list) or not raw["fields"]:
        raise SchemaRuleError("The schema must have a non-empty list of fields.")
    try:
        fastavro.parse_schema(raw)
    except (SchemaParseException, UnknownType, KeyError, TypeError, ValueError) as error:
        raise SchemaRuleError(f"The schema is not valid Avro: {error}.") from None
    fields = tuple(_field(spec) for spec in raw["fields"])
    _check_unique(fields)
    return DatasetSchema(fields)


def _field(spec: Any) -> Field:
    if not isinstance(spec, dict) or not isinstance(spec.get("name"), str):
        raise SchemaRuleError(f"Every schema field needs a name; got {spec!r}.")
    name = spec["name"]
    if not _NAME.fullmatch(name):
        raise SchemaRuleError(
            f"Field name {name!r} is not valid: use letters, digits and underscores, "
            "starting with a letter or underscore."
        )
    kind = spec["type"]
    members = kind if isinstance(kind, list) else [kind]
    if any(not isinstance(m, str) for m in members):
        raise SchemaRuleError(
            f"Field {name}: complex types (records, arrays, maps, enums) are not supported; "
            f"use one of {', '.join(sorted(PRIMITIVES))}, optionally in a union with null."
        )
    non_null = [m for m in members if m != "null"]
    if len(non_null) != 1 or non_null[0] not in PRIMITIVES:
        raise SchemaRuleError(
            f"Field {name}: type {json.dumps(kind)} is not supported; use one of "
            f"{', '.join(sorted(PRIMITIVES))}, optionally in a union with null "
            '(e.g. ["null", "string"]).'
        )
    field = Field(
        name=name,
        type=non_null[0],
        nullable="null" in members,
        categorical=spec.get("categorical") is True,
        textual=spec.get("textual") is True,
    )
    for attribute in ("categorical", "textual"):
        if attribute in spec and not isinstance(spec[attribute], bool):
            raise SchemaRuleError(f"Field {name}: {attribute} must be true or false.")
        if getattr(field, attribute) and field.type != "string":
            raise SchemaRuleError(
                f"Field {name}: only string fields can be {attribute}; its type is {field.type}."
            )
    if field.categorical and field.textual:
        raise SchemaRuleError(f"Field {name}: a field cannot be both categorical and textual.")
    return field


def _check_unique(fields: tuple[Field, ...]) -> None:
    seen: dict[str, str] = {}
    for field in fields:
        key = re.sub(r"[^A-Za-z0-9]", "", field.name).upper()
        if key in seen:
            raise SchemaRuleError(
                f"Fields {seen[key]} and {field.name} have the same alphanumeric name; "
                "field names must stay unique when underscores and case are ignored."
            )
        seen[key] = field.name


def _type_label(field: Field) -> str:
    return f"{field.type}|null" if field.nullable else field.type


def check_dataset_type(schema: DatasetSchema, dataset_type: str) -> None:
    """Check that a schema suits a dataset type (required, reserved and metadata fields)."""
    rules = RULES[dataset_type]
    label = dataset_type.title().replace("_", " ")
    for name, kind in rules.required.items():
        field = schema.field(name)
        if field is None:
            raise SchemaRuleError(
                f"A schema for a {label} dataset needs the field {name} of type {kind}."
            )
        if field.type != kind or field.nullable:
            raise SchemaRuleError(
                f"Field {name} of a {label} dataset must be of type {json.dumps(kind)} "
                f"(not null), not {_type_label(field)}."
            )
    for name, allowed in rules.reserved.items():
        field = schema.field(name)
        if field is None:
            continue
        if _type_label(field) not in allowed:
            shown = " or ".join(sorted(allowed)).replace("|", " with null")
            raise SchemaRuleError(
                f"Reserved field {name} of a {label} dataset must be {shown}, "
                f"not {_type_label(field).replace('|', ' with null')}."
            )
        if field.categorical and name != "TYPE":
            raise SchemaRuleError(f"Reserved field {name} cannot be categorical.")
    _check_metadata(schema, rules, label)


def _check_metadata(schema: DatasetSchema, rules: TypeRules, label: str) -> None:
    metadata = [
        f for f in schema.fields if f.name not in rules.required and f.name not in rules.reserved
    ]
    if len(metadata) < rules.min_metadata:
        raise SchemaRuleError(
            f"A schema for a {label} dataset needs at least {rules.min_metadata} metadata field "
            f"besides {', '.join(rules.required)}."
        )
    if len(metadata) > rules.max_metadata:
        raise SchemaRuleError(
            f"A {label} dataset can have at most {rules.max_metadata} metadata fields; "
            f"this schema has {len(metadata)}: {', '.join(f.name for f in metadata)}."
        )
    for field in metadata:
        if field.textual and not rules.textual_allowed:
            raise SchemaRuleError(
                f"Field {field.name}: only an Items dataset can have textual fields."
            )
