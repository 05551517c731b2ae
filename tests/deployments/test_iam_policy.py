"""The IAM documents in deployments/ are valid and allow every Personalize call the pipeline makes."""

from __future__ import annotations

import json
import re
from pathlib import Path

import botocore.session
import pytest

ROOT = Path(__file__).resolve().parents[2]
DOCUMENTS = sorted((ROOT / "deployments").glob("*.json"))
SERVICES = ("personalize", "personalize-runtime", "personalize-events")


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def _operations_the_pipeline_calls() -> set[str]:
    """Operations named in code under tasks/ or flows/: "CreateCampaign", "list_campaigns",
    or a call ``.create_campaign(`` (a mention in prose does not count)."""
    session = botocore.session.get_session()
    operations = {
        op for service in SERVICES for op in session.get_service_model(service).operation_names
    }
    source = "\n".join(
        path.read_text()
        for folder in ("tasks", "flows")
        for path in (ROOT / folder).rglob("*")
        if path.suffix in {".py", ".json"}
    )
    quoted = set(re.findall(r"[\"']([A-Za-z_]+)[\"']", source))
    called = set(re.findall(r"\.([a-z_]+)\(", source))
    return {op for op in operations if quoted & {op, _snake(op)} or _snake(op) in called}


def _allowed_actions() -> set[str]:
    policy = json.loads((ROOT / "deployments" / "iam-policy.json").read_text())
    actions: set[str] = set()
    for statement in policy["Statement"]:
        if statement["Effect"] == "Allow":
            listed = statement["Action"]
            actions.update([listed] if isinstance(listed, str) else listed)
    return actions


@pytest.mark.parametrize("path", DOCUMENTS, ids=[p.name for p in DOCUMENTS])
def test_policy_documents_are_well_formed(path: Path) -> None:
    document = json.loads(path.read_text())
    assert document["Version"] == "2012-10-17"
    for statement in document["Statement"]:
        assert statement["Effect"] in {"Allow", "Deny"}
        assert statement["Action"], f"{path.name}: a statement without actions"


def test_pipeline_policy_allows_every_call_the_pipeline_makes() -> None:
    called = _operations_the_pipeline_calls()
    assert {"CreateSolutionVersion", "UpdateCampaign"} <= called, "the scan found the calls"
    allowed = _allowed_actions()
    missing = sorted(f"personalize:{op}" for op in called if f"personalize:{op}" not in allowed)
    assert not missing, f"add to deployments/iam-policy.json: {missing}"


def test_pipeline_may_pass_the_role_only_to_personalize() -> None:
    policy = json.loads((ROOT / "deployments" / "iam-policy.json").read_text())
    (pass_role,) = [s for s in policy["Statement"] if s["Action"] == "iam:PassRole"]
    assert pass_role["Condition"]["StringEquals"]["iam:PassedToService"] == (
        "personalize.amazonaws.com"
    )
