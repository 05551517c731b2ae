"""personalize-events: PutItems, PutUsers, PutActions, PutActionInteractions.

1. A call names its dataset (PutActionInteractions: the ``trackingId`` of an Action
   interactions dataset) and carries 1 to 10 records (botocore's model checks the count).
2. The dataset must exist (ResourceNotFoundException), be ACTIVE (ResourceInUseException) and
   be of the operation's type (InvalidInputException).
3. A record's ``properties`` is a JSON object whose camelCase keys name the schema's fields
   (``numberOfRatings`` is NUMBER_OF_RATINGS); each value is checked against its field's type,
   and every required field must be given. One bad record refuses the call, naming the record
   and the field, and nothing of it is stored.
4. The records become the dataset's individually imported rows (see ``personalize_local.dataset_rows``):
   the next training and the filters see them, a FULL import leaves them, and an export with
   ingestionMode PUT or ALL writes them.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

import pandas as pd

from personalize_local.avro_schema import DatasetSchema, Field, parse_schema
from personalize_local.csv_import import MAX_CATEGORICAL_CHARS
from personalize_local.dataset_rows import put_rows
from personalize_local.errors import (
    InvalidInputException,
    ResourceInUseException,
    ResourceNotFoundException,
)
from personalize_local.kinds import DATASET, SCHEMA
from personalize_local.ops import Handler
from personalize_local.records import Dataset
from personalize_local.resources import listed, require
from personalize_local.service import Call, Service

_CAMEL_BOUNDARY = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
_DTYPES = {"string": "object", "boolean": "boolean", "float": "float64", "double": "float64",
           "int": "Int64", "long": "Int64"}  # fmt: skip


def put_items(service: Service, call: Call) -> dict[str, Any]:
    _put(service, call.params["datasetArn"], "ITEMS", "items", "itemId", "ITEM_ID", call.params)
    return {}


def put_users(service: Service, call: Call) -> dict[str, Any]:
    _put(service, call.params["datasetArn"], "USERS", "users", "userId", "USER_ID", call.params)
    return {}


def put_actions(service: Service, call: Call) -> dict[str, Any]:
    p = call.params
    _put(service, p["datasetArn"], "ACTIONS", "actions", "actionId", "ACTION_ID", p)
    return {}


def put_action_interactions(service: Service, call: Call) -> dict[str, Any]:
    p = call.params
    dataset = _by_tracking_id(service, p["trackingId"])
    schema = _schema(service, dataset)
    rows = []
    for n, event in enumerate(p["actionInteractions"], start=1):
        row = {
            "USER_ID": event.get("userId") or event["sessionId"],
            "ACTION_ID": event["actionId"],
            "TIMESTAMP": int(event["timestamp"]),
            "EVENT_TYPE": event["eventType"],
            "RECOMMENDATION_ID": event.get("recommendationId"),
            "IMPRESSION": "|".join(event["impression"]) if event.get("impression") else None,
        }
        row = {k: v for k, v in row.items() if schema.field(k) is not None}
        where = f"actionInteractions[{n}]"
        rows.append(_record(schema, row, event.get("properties"), where))
    put_rows(service, dataset["datasetArn"], _frame(schema, rows))
    return {}


def _put(
    service: Service,
    dataset_arn: str,
    dataset_type: str,
    member: str,
    id_key: str,
    id_field: str,
    params: dict[str, Any],
) -> None:
    """Check every record of a PutItems/PutUsers/PutActions call, then store them together."""
    dataset = _active(service, dataset_arn)
    if str(dataset["datasetType"]).upper() != dataset_type:
        raise InvalidInputException(
            f"The dataset {dataset_arn} is a {str(dataset['datasetType']).title()} dataset; "
            f"{member} go to a {dataset_type.title()} dataset."
        )
    schema = _schema(service, dataset)
    rows = [
        _record(schema, {id_field: record[id_key]}, record.get("properties"), f"{member}[{n}]")
        for n, record in enumerate(params[member], start=1)
    ]
    put_rows(service, dataset_arn, _frame(schema, rows))


def _active(service: Service, dataset_arn: str) -> Dataset:
    dataset = require(service, DATASET, dataset_arn)
    if dataset.get("status") != "ACTIVE":
        raise ResourceInUseException(
            f"The dataset {dataset_arn} is in {dataset.get('status')} status; "
            "records can be added once it is ACTIVE."
        )
    return dataset


def _by_tracking_id(service: Service, tracking_id: str) -> Dataset:
    for dataset in listed(service, DATASET):
        if dataset.get("trackingId") == tracking_id:
            return _active(service, dataset["datasetArn"])
    raise ResourceNotFoundException(
        f"No Action interactions dataset has the trackingId {tracking_id}."
    )


def _schema(service: Service, dataset: Dataset) -> DatasetSchema:
    return parse_schema(require(service, SCHEMA, dataset["schemaArn"])["schema"])


def field_name(key: str, schema: DatasetSchema | None) -> str:
    """The schema field a camelCase property key names (``numberOfRatings`` -> NUMBER_OF_RATINGS)."""
    if schema is not None and schema.field(key) is not None:
        return key
    return _CAMEL_BOUNDARY.sub("_", key).upper()


def _record(
    schema: DatasetSchema, row: dict[str, Any], properties: str | None, where: str
) -> dict[str, Any]:
    """One checked row: the id fields given plus the record's properties, typed by the schema."""
    if properties:
        for key, value in parse_properties(properties, where).items():
            name = field_name(key, schema)
            field = schema.field(name)
            if field is None or name in row:
                raise InvalidInputException(
                    f"{where}.properties has {key!r}, which names no field of the dataset's "
                    f"schema that a property can set (fields: {', '.join(schema.names)})."
                )
            row[name] = field_value(field, value, f"{where}.properties.{key}")
    for field in schema.fields:
        if row.get(field.name) is None and not field.nullable:
            raise InvalidInputException(
                f"{where} lacks {field.name}, which the dataset's schema requires; give it in "
                f"properties as {_camel(field.name)!r}."
            )
    return row


def parse_properties(text: str, where: str) -> dict[str, Any]:
    """A record's or event's ``properties``: a JSON object, or InvalidInputException."""
    try:
        values = json.loads(text)
    except json.JSONDecodeError as error:
        raise InvalidInputException(f"{where}.properties is not valid JSON: {error}.") from None
    if not isinstance(values, dict):
        raise InvalidInputException(
            f'{where}.properties must be a JSON object such as {{"genre": "drama"}}.'
        )
    return values


def field_value(field: Field, value: Any, where: str) -> Any:
    """The value converted to the field's type, or InvalidInputException saying why not."""
    if value is None:
        if field.nullable:
            return None
        raise InvalidInputException(f"{where} is null, but the field {field.name} is required.")
    try:
        converted = _convert(field.type, value)
    except (TypeError, ValueError):
        converted = None
    if converted is None:
        raise InvalidInputException(
            f"{where}: {value!r} is not a {field.type} (the type of {field.name})."
        )
    if field.categorical and len(str(converted)) > MAX_CATEGORICAL_CHARS:
        raise InvalidInputException(
            f"{where} is longer than {MAX_CATEGORICAL_CHARS} characters (a categorical field)."
        )
    return converted


def _convert(kind: str, value: Any) -> Any:
    if kind == "string":
        return value if isinstance(value, str) else None
    if kind == "boolean":
        if isinstance(value, bool):
            return value
        return {"true": True, "false": False}.get(str(value).strip().lower())
    if isinstance(value, bool):
        return None
    if kind in ("int", "long"):
        number = float(value)
        return int(number) if number.is_integer() else None
    number = float(value)
    return number if math.isfinite(number) else None


def _camel(name: str) -> str:
    head, *rest = name.lower().split("_")
    return head + "".join(part.title() for part in rest)


def _frame(schema: DatasetSchema, rows: list[dict[str, Any]]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=schema.names)
    return frame.astype({f.name: _DTYPES[f.type] for f in schema.fields})


HANDLERS: dict[str, Handler] = {
    "PutItems": put_items,
    "PutUsers": put_users,
    "PutActions": put_actions,
    "PutActionInteractions": put_action_interactions,
}
