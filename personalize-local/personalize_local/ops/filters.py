"""CreateFilter, DescribeFilter, ListFilters, DeleteFilter.

The expression is parsed at create time (``personalize_facts.filters``) and checked against
the dataset group: every dataset it reads must exist there, with the fields it names.
"""

from __future__ import annotations

from typing import Any

from personalize_facts.filters import FilterExpression, FilterExpressionError, compile_filter
from personalize_local.avro_schema import parse_schema
from personalize_local.errors import InvalidInputException, LimitExceededException
from personalize_local.kinds import DATASET, DATASET_GROUP, FILTER, SCHEMA
from personalize_local.ops import Handler
from personalize_local.ops.datasets import dataset_arn
from personalize_local.records import Filter
from personalize_local.resources import (
    create_tags,
    delete_when_unused,
    find,
    listed,
    require_active,
    start_create,
)
from personalize_local.service import Call, Service

KIND = FILTER
MAX_ACTIVE = 10
"""Filters per dataset group in ACTIVE state (the real service's quota)."""


def create_filter(service: Service, call: Call) -> dict[str, Any]:
    p = call.params
    group = p["datasetGroupArn"]
    tags = create_tags(p)
    require_active(service, DATASET_GROUP, group)
    active = [f for f in listed(service, KIND, group) if f["status"] == "ACTIVE"]
    if len(active) >= MAX_ACTIVE:
        # The real service's quota and wording (docs/aws-facts.md#errors, CreateFilter).
        raise LimitExceededException(
            f"More than {MAX_ACTIVE} resources in ACTIVE state. Please delete some and try again."
        )
    try:
        expression = compile_filter(p["filterExpression"])
    except FilterExpressionError as error:
        raise InvalidInputException(str(error)) from None
    _check_fields(service, group, expression)
    arn = call.arn(f"filter/{p['name']}")
    body: Filter = {
        "name": p["name"],
        "filterArn": arn,
        "datasetGroupArn": group,
        "filterExpression": p["filterExpression"],
        "status": "CREATE PENDING",
    }
    start_create(service, KIND, arn, body, tags, parent=group)
    return {"filterArn": arn}


def _check_fields(service: Service, group: str, expression: FilterExpression) -> None:
    for dataset, name in sorted(expression.fields):
        stored = find(service, DATASET, dataset_arn(group, dataset.upper()))
        if stored is None:
            raise InvalidInputException(
                f"The filter reads {dataset}.{name}, but the dataset group {group} has no "
                f"{dataset} dataset. Create it first."
            )
        schema_doc = find(service, SCHEMA, stored.get("schemaArn", ""))
        if (
            schema_doc
            and "schema" in schema_doc
            and parse_schema(schema_doc["schema"]).field(name) is None
        ):
            raise InvalidInputException(
                f"The filter reads {dataset}.{name}, but the {dataset} dataset's schema has no "
                f"field {name}."
            )


def delete_filter(service: Service, call: Call) -> dict[str, Any]:
    delete_when_unused(service, KIND, call.params["filterArn"])
    return {}


HANDLERS: dict[str, Handler] = {
    "CreateFilter": create_filter,
    "DeleteFilter": delete_filter,
}
