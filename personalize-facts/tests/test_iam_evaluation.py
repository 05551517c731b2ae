"""The policy evaluation the pipeline and the local service share (``personalize_facts.iam``), and the
documents it writes: the developer guide's "Giving Amazon Personalize access to Amazon S3
resources" bucket policy and the role's trust policy, as deployments/ holds them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from personalize_facts.iam import (
    ASSUME_ROLE,
    SERVICE,
    bucket_needs,
    bucket_statement,
    refusals,
    trust_policy,
    with_statement,
)

DEPLOYMENTS = Path(__file__).resolve().parents[2] / "deployments"
BUCKET = "arn:aws:s3:::data"
OBJECTS = "arn:aws:s3:::data/imports/"


def allow(action: Any, resource: Any, principal: Any = None, **extra: Any) -> dict[str, Any]:
    return {
        "Effect": "Allow",
        "Principal": principal or {"Service": SERVICE},
        "Action": action,
        "Resource": resource,
        **extra,
    }


def policy(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(statements)}


READ = bucket_needs("data", "imports/", read=True)


def refused(document: dict[str, Any] | None, needs: Any = READ) -> list[str]:
    return [f"{r.action} {r.resource}" for r in refusals(document, SERVICE, needs)]


def test_the_guides_policy_for_imports_grants_reading() -> None:
    guide = policy(allow(["s3:GetObject", "s3:ListBucket"], [BUCKET, f"{BUCKET}/*"]))
    assert refused(guide) == []
    assert refused(guide, bucket_needs("data", "out/", write=True)) == [
        "s3:PutObject arn:aws:s3:::data/out/"
    ]


def test_no_policy_grants_nothing() -> None:
    assert refused(None) == [f"s3:ListBucket {BUCKET}", f"s3:GetObject {OBJECTS}"]


@pytest.mark.parametrize(
    ("action", "resource", "missing"),
    [
        ("s3:*", "arn:aws:s3:::data*", []),
        ("S3:get*", [BUCKET, "arn:aws:s3:::data/imports/*"], [f"s3:ListBucket {BUCKET}"]),
        (["s3:ListBucket", "s3:GetObject"], [BUCKET, "arn:aws:s3:::data/other/*"],
         [f"s3:GetObject {OBJECTS}"]),
        ("*", "arn:aws:s3:::dat?", [f"s3:GetObject {OBJECTS}"]),
        ("s3:GetObjectVersion", "*", [f"s3:ListBucket {BUCKET}", f"s3:GetObject {OBJECTS}"]),
    ],
)  # fmt: skip
def test_actions_and_resources_match_with_wildcards(
    action: Any, resource: Any, missing: list[str]
) -> None:
    assert refused(policy(allow(action, resource))) == missing


@pytest.mark.parametrize(
    ("principal", "applies"),
    [
        ({"Service": SERVICE}, True),
        ({"Service": ["glue.amazonaws.com", SERVICE]}, True),
        ("*", True),
        ({"AWS": "*"}, True),
        ({"Service": "glue.amazonaws.com"}, False),
        ({"AWS": "arn:aws:iam::123456789012:root"}, False),
    ],
)
def test_statements_apply_to_the_principals_they_name(principal: Any, applies: bool) -> None:
    document = policy(allow("s3:*", "*", principal))
    assert (refused(document) == []) is applies


def test_a_deny_wins_over_any_allow() -> None:
    document = policy(
        allow("s3:*", "*"),
        {"Sid": "NoImports", "Effect": "Deny", "Principal": "*", "Action": "s3:GetObject",
         "Resource": "arn:aws:s3:::data/imports/*"},
    )  # fmt: skip
    (refusal,) = refusals(document, SERVICE, READ)
    assert (refusal.action, refusal.reason) == ("s3:GetObject", "denied by statement 'NoImports'")


def test_without_a_context_conditions_are_taken_as_met_and_not_statements_are_skipped() -> None:
    https_only = {"Effect": "Deny", "Principal": {"AWS": "*"}, "Action": "*",
                  "Resource": "arn:aws:s3:::data/*",
                  "Condition": {"Bool": {"aws:SecureTransport": "false"}}}  # fmt: skip
    source = {"StringEquals": {"aws:SourceAccount": "123456789012"}}
    assert refused(policy(https_only, allow("s3:*", "*", Condition=source))) == []
    not_action = {"Effect": "Allow", "Principal": "*", "NotAction": "s3:DeleteObject",
                  "Resource": "*"}  # fmt: skip
    assert len(refused(policy(not_action))) == 2


ACTING = {"aws:SourceAccount": "000000000000",
          "aws:SourceArn": "arn:aws:personalize:us-east-1:000000000000:dataset-import-job/j"}  # fmt: skip


@pytest.mark.parametrize(
    ("condition", "granted"),
    [
        ({"StringEquals": {"aws:SourceAccount": "000000000000"}}, True),
        ({"StringEquals": {"aws:SourceAccount": "123456789012"}}, False),
        ({"StringEquals": {"AWS:SOURCEACCOUNT": ["111122223333", "000000000000"]}}, True),
        ({"ArnLike": {"aws:SourceArn": "arn:aws:personalize:us-east-1:000000000000:*"}}, True),
        ({"ArnLike": {"aws:SourceArn": "arn:aws:personalize:eu-west-1:000000000000:*"}}, False),
        ({"StringNotEquals": {"aws:SourceAccount": "000000000000"}}, False),
        ({"StringLike": {"aws:SourceArn": "*:dataset-import-job/*"}}, True),
        ({"Bool": {"aws:SecureTransport": "true"}}, True),  # not told: met for an Allow
        ({"StringEqualsIfExists": {"aws:SourceAccount": "123456789012"}}, True),
    ],
)
def test_an_allows_conditions_are_evaluated_on_the_keys_the_service_passes(
    condition: dict[str, Any], granted: bool
) -> None:
    document = policy(allow("s3:*", "*", Condition=condition))
    assert (refusals(document, SERVICE, READ, ACTING) == []) is granted


def test_a_refusal_by_condition_names_the_key_and_the_value_passed() -> None:
    document = with_statement(None, bucket_statement("data", "123456789012", "us-east-1"))
    reasons = {r.reason for r in refusals(document, SERVICE, READ, ACTING)}
    assert reasons == {
        "the condition of the statement allowing it is not met (aws:SourceAccount is "
        "000000000000, aws:SourceArn is "
        "arn:aws:personalize:us-east-1:000000000000:dataset-import-job/j)"
    }
    mine = with_statement(None, bucket_statement("data", "000000000000", "us-east-1"))
    assert refusals(mine, SERVICE, READ, ACTING) == []


def test_a_deny_applies_only_when_its_conditions_are_told_and_met() -> None:
    other_accounts = {"Sid": "OnlyMine", "Effect": "Deny", "Principal": "*", "Action": "s3:*",
                      "Resource": "*",
                      "Condition": {"StringNotEquals": {"aws:SourceAccount": "000000000000"}}}  # fmt: skip
    document = policy(allow("s3:*", "*"), other_accounts)
    assert refusals(document, SERVICE, READ, ACTING) == []
    foreign = {**ACTING, "aws:SourceAccount": "123456789012"}
    assert {r.reason for r in refusals(document, SERVICE, READ, foreign)} == {
        "denied by statement 'OnlyMine'"
    }
    https_only = {**other_accounts, "Condition": {"Bool": {"aws:SecureTransport": "false"}}}
    assert refusals(policy(allow("s3:*", "*"), https_only), SERVICE, READ, ACTING) == []


def test_a_trust_policy_lets_the_service_assume_the_role() -> None:
    assert refusals(trust_policy(), SERVICE, [(ASSUME_ROLE, None)]) == []
    other = policy({"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"},
                    "Action": ASSUME_ROLE})  # fmt: skip
    assert [r.action for r in refusals(other, SERVICE, [(ASSUME_ROLE, None)])] == [ASSUME_ROLE]


def test_the_documents_are_those_in_deployments() -> None:
    """The documents in deployments/ (docs/deploying.md) are those the pipeline applies and prints."""
    bucket = json.loads((DEPLOYMENTS / "bucket-policy.json").read_text())
    made = with_statement(
        None, bucket_statement("my-personalize-bucket", "123456789012", "us-east-1")
    )
    assert made == bucket
    trust = json.loads((DEPLOYMENTS / "personalize-role-trust-policy.json").read_text())
    assert trust_policy("123456789012", "us-east-1") == trust


def test_adding_the_statement_keeps_the_others_and_replaces_its_own() -> None:
    https_only = {"Sid": "HttpsOnly", "Effect": "Deny", "Principal": "*", "Action": "s3:*",
                  "Resource": "*", "Condition": {"Bool": {"aws:SecureTransport": "false"}}}  # fmt: skip
    old = {**bucket_statement("data"), "Action": ["s3:GetObject"]}
    merged = with_statement(policy(https_only, old), bucket_statement("data"))
    assert merged["Statement"] == [https_only, bucket_statement("data")]
    assert refused(merged, bucket_needs("data", "x/", read=True, write=True)) == []
