"""Schemas: ``ensure_schema`` creates a Personalize schema from an Avro record once."""

from __future__ import annotations

import json
from typing import Any

from tasks.aws import AwsSettings, client
from tasks.errors import translated
from tasks.resources import Wanted, ensure
from tasks.retries import personalize_task

FIX = "Schemas cannot change: give the new schema another name, or tear the old one down."


def wanted_schema(name: str, schema: dict[str, Any] | str, domain: str | None = None) -> Wanted:
    """The schema as configured: its Avro text (compact JSON) and domain."""
    text = schema if isinstance(schema, str) else json.dumps(schema, separators=(",", ":"))
    return Wanted("schema", name, {"schema": text, **({"domain": domain} if domain else {})})


@personalize_task()
def ensure_schema(
    aws: AwsSettings, name: str, schema: dict[str, Any] | str, domain: str | None = None
) -> str:
    """The ARN of the schema ``name``; fails (drift) if one of that name has other fields."""
    personalize = client(aws, "personalize")
    wanted = wanted_schema(name, schema, domain)

    def create() -> str:
        with translated(wanted.label):
            response = personalize.create_schema(name=name, **wanted.settings)
        return str(response["schemaArn"])

    arn, _ = ensure(personalize, wanted, create, fix=FIX)
    return arn
