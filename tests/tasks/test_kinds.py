"""The registry of kinds agrees with botocore's Personalize model, and is the only place that
names Personalize operations in tasks/ and flows/."""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.model import OperationModel, Shape

from tasks.kinds import Kind, kind, kinds

ROOT = Path(__file__).resolve().parents[2]
CLIENT: Any = boto3.client("personalize", region_name="us-east-1")
MODEL = CLIENT.meta.service_model
API_NAMES: dict[str, str] = CLIENT.meta.method_to_api_mapping


def operation(method: str) -> OperationModel:
    """The model of the operation behind a boto3 method name (fails when there is none)."""
    assert method in API_NAMES, f"{method} is not a Personalize operation"
    return MODEL.operation_model(API_NAMES[method])


def members(shape: Shape | None) -> dict[str, Shape]:
    return dict(getattr(shape, "members", {}) or {})


@pytest.mark.parametrize("name", sorted(kinds()))
def test_each_kind_matches_the_service_model(name: str) -> None:
    """Source: botocore's personalize service-2.json (operations, members, result keys)."""
    entry: Kind = kind(name)
    describe = operation(entry.describe)
    assert entry.arn in members(describe.input_shape)
    document = members(describe.output_shape)[entry.result_key]
    for field in (*entry.fatal, *entry.advisory):
        assert field in members(document), f"{name}: {field} is not in {document.name}"
    for method in (entry.delete, entry.stop):
        if method:
            assert entry.arn in members(operation(method).input_shape)
    if entry.list:
        listing = operation(entry.list)
        pageable = CLIENT.can_paginate(entry.list) or "nextToken" in members(listing.input_shape)
        assert pageable, f"{entry.list} has no paginator and no nextToken"
        summaries = members(listing.output_shape)[str(entry.list_key)]
        summary = members(getattr(summaries, "member", None))
        assert entry.arn in summary
        if entry.parent:
            assert entry.parent in members(listing.input_shape)
        if entry.match:
            assert entry.match in summary
    wait = entry.wait
    assert wait.deadline_seconds > 0 and wait.typical_seconds > 0
    assert not set(wait.success) & set(wait.failure)
    assert wait.on_deadline is None or entry.stop


def test_an_unknown_kind_names_the_known_ones() -> None:
    with pytest.raises(KeyError, match=r"known: .*solution-version"):
        kind("nope")


def test_no_operation_is_named_outside_the_registry() -> None:
    """tasks/ and flows/ call operations as methods; only kinds.json names them as data."""
    names = set(API_NAMES)
    for service in ("personalize-runtime", "personalize-events"):
        names |= set(boto3.client(service, region_name="us-east-1").meta.method_to_api_mapping)
    named = [
        f"{path.relative_to(ROOT)}:{node.lineno}: {node.value}"
        for folder in ("tasks", "flows")
        for path in sorted((ROOT / folder).rglob("*.py"))
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.Constant) and node.value in names
    ]
    assert named == []
