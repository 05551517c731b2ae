"""Schemas: ``ensure_schema`` creates a Personalize schema from an Avro record once."""

from __future__ import annotations

import json
from typing import Any

from tasks.aws import AwsSettings, client
from tasks.errors import call
from tasks.resources import Lookup, ensure
from tasks.retries import personalize_task

FIX = "Schemas cannot change: give the new schema another name, or tear the old one down."


@personalize_task()
def ensure_schema(
    aws: AwsSettings, name: str, schema: dict[str, Any] | str, domain: str | None = None
) -> str:
    """The ARN of the schema ``name``; fails (drift) if one of that name has other fields."""
    personalize = client(aws, "personalize")
    text = schema if isinstance(schema, str) else json.dumps(schema, separators=(",", ":"))
    extra = {"domain": domain} if domain else {}

    def create() -> str:
        response = call(
            personalize, "create_schema", f"schema {name}", name=name, schema=text, **extra
        )
        return str(response["schemaArn"])

    arn, _ = ensure(
        personalize,
        "schema",
        name,
        Lookup("list_schemas", "schemas"),
        create,
        {"schema": text, **extra},
        fix=FIX,
    )
    return arn
