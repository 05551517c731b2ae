"""CreateSchema, DescribeSchema, ListSchemas, DeleteSchema."""

from __future__ import annotations

from typing import Any

from personalize_local.avro_schema import parse_schema
from personalize_local.kinds import DATASET, SCHEMA
from personalize_local.ops import Handler
from personalize_local.records import Schema
from personalize_local.resources import delete_when_unused
from personalize_local.service import Call, Service

KIND = SCHEMA


def create_schema(service: Service, call: Call) -> dict[str, Any]:
    p = call.params
    parse_schema(p["schema"])
    arn = call.arn(f"schema/{p['name']}")
    body: Schema = {"name": p["name"], "schemaArn": arn, "schema": p["schema"]}
    if "domain" in p:
        body["domain"] = p["domain"]
    service.store.create(arn, KIND.name, body)
    return {"schemaArn": arn}


def delete_schema(service: Service, call: Call) -> dict[str, Any]:
    delete_when_unused(service, KIND, call.params["schemaArn"], blocking=((DATASET, "schemaArn"),))
    return {}


HANDLERS: dict[str, Handler] = {
    "CreateSchema": create_schema,
    "DeleteSchema": delete_schema,
}
