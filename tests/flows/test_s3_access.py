"""Before anything is created, provision (and its plan) checks that Personalize may use the
configured bucket and assume the configured role (issue 10 item 4), on the local service: its
S3 answers GetBucketPolicy and, being moto's server, IAM's GetRole (AWS_ENDPOINT_URL_IAM).

The documents are the developer guide's ("Giving Amazon Personalize access to Amazon S3
resources"; the role's trust policy lets personalize.amazonaws.com sts:AssumeRole)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber

from flows.provision import provision
from personalize_facts.iam import SERVICE
from tasks.preflight import PreflightError
from tasks.s3_access import apply_access, bucket_findings, role_findings
from tests.pipelines import Pipeline, make_pipeline

ROLE = "PersonalizeS3Access"


def printed_document(text: str) -> dict[str, Any]:
    """The JSON document a finding's fix prints after its command."""
    return dict(json.loads(text[text.index("\n{") :]))


def nothing_created(personalize: Any, pipeline: Pipeline) -> bool:
    groups = personalize.list_dataset_groups()["datasetGroups"]
    return pipeline.config.dataset_group.name not in {g["name"] for g in groups}


@pytest.mark.slow
def test_a_bucket_without_a_policy_stops_provision_with_the_policy_to_apply(
    prefect_api: None, local_service: Any, s3: Any, personalize: Any, tmp_path: Path, unique: str
) -> None:
    pipeline = make_pipeline(tmp_path, s3, unique)
    bucket = pipeline.config.bucket
    s3.delete_bucket_policy(Bucket=bucket)

    planned = provision(config_path=pipeline.config_path, plan=True)
    (problem,) = planned["problems"]
    assert problem.startswith(f"bucket {bucket}: has no bucket policy")
    assert f"aws s3api put-bucket-policy --bucket {bucket}" in problem
    document = printed_document(problem)
    (statement,) = document["Statement"]
    assert statement["Principal"] == {"Service": SERVICE}
    assert statement["Resource"] == [f"arn:aws:s3:::{bucket}", f"arn:aws:s3:::{bucket}/*"]

    with pytest.raises(PreflightError, match="has no bucket policy"):
        provision(config_path=pipeline.config_path)
    assert nothing_created(personalize, pipeline)

    s3.put_bucket_policy(Bucket=bucket, Policy=json.dumps(document))  # what it printed
    assert provision(config_path=pipeline.config_path, plan=True)["problems"] == []


@pytest.mark.slow
def test_a_missing_grant_is_named_and_the_other_statements_are_kept(
    prefect_api: None, local_service: Any, s3: Any, tmp_path: Path, unique: str
) -> None:
    pipeline = make_pipeline(tmp_path, s3, unique)
    bucket = pipeline.config.bucket
    policy = json.loads(s3.get_bucket_policy(Bucket=bucket)["Policy"])
    policy["Statement"][0]["Action"] = ["s3:GetObject", "s3:ListBucket"]  # the import-only one
    https_only = {"Sid": "HttpsOnly", "Effect": "Deny", "Principal": "*", "Action": "s3:*",
                  "Resource": f"arn:aws:s3:::{bucket}/*",
                  "Condition": {"Bool": {"aws:SecureTransport": "false"}}}  # fmt: skip
    policy["Statement"].insert(0, https_only)
    s3.put_bucket_policy(Bucket=bucket, Policy=json.dumps(policy))

    (problem,) = provision(config_path=pipeline.config_path, plan=True)["problems"]
    assert f"does not grant s3:PutObject on arn:aws:s3:::{bucket}/* (no statement allows it)" in (
        problem
    )
    printed = printed_document(problem)["Statement"]
    assert printed[0] == https_only
    assert "s3:PutObject" in printed[1]["Action"]


@pytest.mark.slow
def test_a_role_personalize_may_not_assume_is_named(
    prefect_api: None, local_service: Any, s3: Any, tmp_path: Path, unique: str
) -> None:
    pipeline = make_pipeline(tmp_path, s3, unique)
    iam = boto3.client("iam")
    ec2_only = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
                "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}]}  # fmt: skip
    iam.update_assume_role_policy(RoleName=ROLE, PolicyDocument=json.dumps(ec2_only))
    try:
        (problem,) = provision(config_path=pipeline.config_path, plan=True)["problems"]
        assert f"role_arn {pipeline.config.role_arn}: its trust policy does not let " in problem
        assert f"aws iam update-assume-role-policy --role-name {ROLE}" in problem
        (trust,) = printed_document(problem)["Statement"]
        assert (trust["Principal"], trust["Action"]) == ({"Service": SERVICE}, "sts:AssumeRole")

        iam.delete_role(RoleName=ROLE)
        (problem,) = provision(config_path=pipeline.config_path, plan=True)["problems"]
        assert "does not exist: Personalize cannot assume it." in problem
        assert f"aws iam create-role --role-name {ROLE}" in problem
    finally:  # other tests share the service and its role
        apply_access(s3, iam, pipeline.config.bucket, pipeline.config.role_arn, "us-east-1")


def test_what_may_not_be_read_is_a_warning_saying_what_to_check() -> None:
    """Unit test (Stubber): an identity without s3:GetBucketPolicy or iam:GetRole."""
    s3 = boto3.client("s3", region_name="us-east-1")
    iam = boto3.client("iam", region_name="us-east-1")
    with Stubber(s3) as s3_stub, Stubber(iam) as iam_stub:
        s3_stub.add_client_error("get_bucket_policy", "AccessDenied", http_status_code=403)
        iam_stub.add_client_error("get_role", "AccessDenied", http_status_code=403)
        findings = bucket_findings(s3, "data", "123456789012", "us-east-1") + role_findings(
            iam, "arn:aws:iam::123456789012:role/path/P", "us-east-1"
        )
    assert [f.warning for f in findings] == [True, True]
    assert "may not read its bucket policy (AccessDenied)" in findings[0].problem
    assert "s3:GetBucketPolicy" in findings[0].fix
    assert "iam:GetRole" in findings[1].fix
