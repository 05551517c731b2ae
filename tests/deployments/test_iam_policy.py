"""The IAM documents in deployments/ are valid, allow every Personalize call the pipeline makes,
and no more: only listing on every resource, deletes in a policy of their own, and the
confused-deputy conditions AWS recommends wherever Personalize is the principal."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import botocore.session
import pytest

ROOT = Path(__file__).resolve().parents[2]
DOCUMENTS = sorted((ROOT / "deployments").glob("*.json"))
SERVICES = ("personalize", "personalize-runtime", "personalize-events")
TEARDOWN = "iam-teardown-policy.json"
ACCOUNT = "123456789012"
ACCOUNT_ARNS = f"arn:aws:personalize:us-east-1:{ACCOUNT}:*"
AWS_OWNED = {"arn:aws:personalize:::recipe/*", "arn:aws:personalize:::algorithm/*"}


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


def _policy(name: str) -> dict[str, Any]:
    return dict(json.loads((ROOT / "deployments" / name).read_text()))


def _actions(statement: dict[str, Any]) -> list[str]:
    listed = statement["Action"]
    return [listed] if isinstance(listed, str) else list(listed)


def _allowed_actions(name: str = "iam-policy.json") -> set[str]:
    return {
        action
        for statement in _policy(name)["Statement"]
        if statement["Effect"] == "Allow"
        for action in _actions(statement)
    }


@pytest.mark.parametrize("path", DOCUMENTS, ids=[p.name for p in DOCUMENTS])
def test_policy_documents_are_well_formed(path: Path) -> None:
    document = json.loads(path.read_text())
    assert document["Version"] == "2012-10-17"
    for statement in document["Statement"]:
        assert statement["Effect"] in {"Allow", "Deny"}
        assert statement["Action"], f"{path.name}: a statement without actions"


def test_pipeline_policy_allows_every_call_the_pipeline_makes() -> None:
    called = _operations_the_pipeline_calls()
    assert {"CreateSolutionVersion", "UpdateCampaign", "DeleteCampaign"} <= called, "the scan"
    allowed = _allowed_actions()
    deletes = _allowed_actions(TEARDOWN)
    missing = sorted(
        f"personalize:{op}"
        for op in called
        if f"personalize:{op}" not in (deletes if op.startswith("Delete") else allowed)
    )
    assert not missing, f"add to deployments/iam-policy.json (Delete*: {TEARDOWN}): {missing}"


def test_only_listing_is_allowed_on_every_resource() -> None:
    # Issue 16: every Personalize action, every Delete included, was allowed on "*".
    for statement in _policy("iam-policy.json")["Statement"]:
        personalize = [a for a in _actions(statement) if a.startswith("personalize:")]
        if statement["Resource"] == "*":
            assert all(a.startswith("personalize:List") for a in personalize), statement["Sid"]
        elif personalize:
            assert set(statement["Resource"]) <= {ACCOUNT_ARNS, *AWS_OWNED}, statement["Sid"]
    assert not [a for a in _allowed_actions() if a.startswith("personalize:Delete")]


def test_deletes_are_a_policy_of_their_own_scoped_to_the_account() -> None:
    (statement,) = _policy(TEARDOWN)["Statement"]
    assert all(a.startswith("personalize:Delete") for a in _actions(statement))
    assert statement["Resource"] == [ACCOUNT_ARNS]


@pytest.mark.parametrize("name", ["personalize-role-trust-policy.json", "bucket-policy.json"])
def test_personalize_as_principal_is_held_to_this_account(name: str) -> None:
    # The confused-deputy protection of the developer guide (cross-service-confused-deputy-prevention).
    for statement in _policy(name)["Statement"]:
        assert statement["Principal"] == {"Service": "personalize.amazonaws.com"}
        condition = statement["Condition"]
        assert condition["StringEquals"]["aws:SourceAccount"] == ACCOUNT
        assert condition["ArnLike"]["aws:SourceArn"] == ACCOUNT_ARNS


def test_pipeline_may_pass_the_role_only_to_personalize() -> None:
    (pass_role,) = [
        s for s in _policy("iam-policy.json")["Statement"] if s["Action"] == "iam:PassRole"
    ]
    assert pass_role["Condition"]["StringEquals"]["iam:PassedToService"] == (
        "personalize.amazonaws.com"
    )
