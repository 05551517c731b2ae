"""The package boundaries the design relies on, checked on the source (imports only)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def imports(folder: str) -> list[tuple[str, str]]:
    """(file:line, module) of every import in a folder's Python files."""
    found = []
    for path in sorted((ROOT / folder).rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [f"{node.module}.{alias.name}" for alias in node.names]
            found += [(f"{path.relative_to(ROOT)}:{node.lineno}", name) for name in names]
    return found


@pytest.mark.parametrize("folder", ["flows", "tasks", "deployments"])
def test_the_pipeline_never_imports_the_local_service(folder: str) -> None:
    """Only the standard AWS_ENDPOINT_URL_* variables separate the local service from AWS."""
    local = [
        (where, name)
        for where, name in imports(folder)
        if name.split(".")[0] in {"emulator", "local"}
    ]
    assert local == []


@pytest.mark.parametrize("folder", ["flows", "deployments"])
def test_only_tasks_call_aws(folder: str) -> None:
    """Flows call tasks (with their retry policy); only tasks/ builds clients and calls AWS."""
    direct = [
        (where, name)
        for where, name in imports(folder)
        if name.split(".")[0] in {"boto3", "botocore"} or name == "tasks.aws.client"
    ]
    assert direct == []
