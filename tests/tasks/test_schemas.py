"""ensure_schema over HTTP: create once, rerun finds it, other fields are drift."""

from __future__ import annotations

from typing import Any

import pytest

from tasks.aws import AwsSettings
from tasks.errors import DriftError, PersonalizeError
from tasks.schemas import ensure_schema
from tests.tasks.helpers import INTERACTIONS, RetryLog


def test_create_then_rerun_finds_the_same_schema(
    aws: AwsSettings, personalize: Any, unique: str
) -> None:
    arn = ensure_schema(aws, f"s-{unique}", INTERACTIONS)
    again = ensure_schema(aws, f"s-{unique}", INTERACTIONS)
    assert again == arn
    names = [s["name"] for s in personalize.list_schemas()["schemas"]]
    assert names.count(f"s-{unique}") == 1


def test_a_schema_with_other_fields_is_drift(aws: AwsSettings, unique: str) -> None:
    ensure_schema(aws, f"d-{unique}", INTERACTIONS)
    changed = {**INTERACTIONS, "fields": INTERACTIONS["fields"][:4]}
    with pytest.raises(DriftError) as drift:
        ensure_schema(aws, f"d-{unique}", changed)
    message = str(drift.value)
    assert f"d-{unique}" in message and "schema: configured" in message
    assert "cannot change" in message


def test_a_rejected_schema_keeps_aws_code_and_is_not_retried(aws: AwsSettings, unique: str) -> None:
    log = RetryLog()
    no_fields = {**INTERACTIONS, "fields": []}
    task = ensure_schema.with_options(retries=2, retry_delay_seconds=0, retry_condition_fn=log)
    with pytest.raises(PersonalizeError) as error:
        task(aws, f"bad-{unique}", no_fields)
    assert error.value.code == "InvalidInputException"
    assert f"schema bad-{unique}" in str(error.value)
    assert log.decisions == [False]
