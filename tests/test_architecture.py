"""The rules the design relies on, checked on the source: import contracts, task settings."""

from __future__ import annotations

import ast
import importlib
import subprocess
import sys
from pathlib import Path

import pytest
from prefect import Task
from prefect.cache_policies import NO_CACHE

from tasks.retries import retry_on_transient

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


def test_the_import_contracts_hold() -> None:
    """import-linter's contracts (pyproject.toml): deployments -> flows -> tasks -> the shared
    facts; the pipeline and the local service never import each other, nor the local service's
    test support the pipeline; only tasks touch AWS (boto3, botocore, s3fs, fsspec); no import
    cycles inside a package."""
    lint = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run(
        [str(lint), "--no-cache"], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("folder", ["flows", "deployments"])
def test_flows_never_build_aws_clients(folder: str) -> None:
    """Flows call tasks (with their retry policy); only tasks/ builds clients (a name, which
    import-linter's module contracts cannot see)."""
    direct = [(where, name) for where, name in imports(folder) if name == "tasks.aws.client"]
    assert direct == []


def modules(folder: str) -> list[str]:
    """The importable modules of a package folder."""
    return [
        ".".join(path.relative_to(ROOT).with_suffix("").parts)
        for path in sorted((ROOT / folder).rglob("*.py"))
        if path.name != "__main__.py"
    ]


@pytest.mark.parametrize("folder", ["flows", "tasks", "deployments"])
def test_every_task_uses_the_projects_decorator(folder: str) -> None:
    """No Prefect result cache (AWS says what exists), retries for transient errors only."""
    tasks = {
        f"{name}.{attr}": value
        for name in modules(folder)
        for attr, value in vars(importlib.import_module(name)).items()
        if isinstance(value, Task) and value.fn.__module__ == name
    }
    assert tasks, f"{folder} defines no task"
    bare = [
        name
        for name, task in tasks.items()
        if task.cache_policy is not NO_CACHE or task.retry_condition_fn is not retry_on_transient
    ]
    assert bare == []
