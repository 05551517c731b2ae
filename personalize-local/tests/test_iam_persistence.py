"""The loopback IAM keeps its roles under the data directory across a restart, even a kill
(as the loopback S3 keeps its objects: personalize-local/tests/test_s3_persistence.py)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import boto3
import pytest

from personalize_facts.iam import trust_policy
from personalize_local.process import LocalService

ACCOUNT = "000000000000"
READ_BUCKET = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Action": ["s3:GetObject", "s3:ListBucket"], "Resource": "*"}
        ],
    }
)


def iam_of(service: LocalService) -> Any:
    return boto3.client("iam", endpoint_url=service.env["AWS_ENDPOINT_URL_IAM"])


def document(value: Any) -> Any:
    """A policy document as IAM returns it (URL-encoded JSON in the wire form), parsed."""
    return json.loads(unquote(value)) if isinstance(value, str) else value


@pytest.mark.slow
def test_roles_and_their_policies_outlive_a_kill(tmp_path: Path) -> None:
    trust = trust_policy(ACCOUNT, "us-east-1")
    first = LocalService(tmp_path)
    first.start()
    iam = iam_of(first)
    created = iam.create_role(
        RoleName="PersonalizeS3Access",
        Path="/service/",
        AssumeRolePolicyDocument=json.dumps(trust),
        Description="Personalize reads the bucket",
        Tags=[{"Key": "team", "Value": "recs"}],
    )["Role"]
    iam.put_role_policy(
        RoleName="PersonalizeS3Access", PolicyName="read-bucket", PolicyDocument=READ_BUCKET
    )
    managed = iam.create_policy(PolicyName="PersonalizeS3", PolicyDocument=READ_BUCKET)["Policy"]
    iam.attach_role_policy(RoleName="PersonalizeS3Access", PolicyArn=managed["Arn"])
    iam.create_role(RoleName="Deleted", AssumeRolePolicyDocument=json.dumps(trust))
    iam.delete_role(RoleName="Deleted")
    first.kill()  # no shutdown code runs: each change was kept before it was answered

    with LocalService(tmp_path) as second:
        iam = iam_of(second)
        assert [r["RoleName"] for r in iam.list_roles()["Roles"]] == ["PersonalizeS3Access"]
        role = iam.get_role(RoleName="PersonalizeS3Access")["Role"]
        assert role["Arn"] == f"arn:aws:iam::{ACCOUNT}:role/service/PersonalizeS3Access"
        assert (role["RoleId"], role["CreateDate"]) == (created["RoleId"], created["CreateDate"])
        assert role["Description"] == "Personalize reads the bucket"
        assert role["Tags"] == [{"Key": "team", "Value": "recs"}]
        assert document(role["AssumeRolePolicyDocument"]) == trust
        inline = iam.get_role_policy(RoleName="PersonalizeS3Access", PolicyName="read-bucket")
        assert document(inline["PolicyDocument"]) == json.loads(READ_BUCKET)
        attached = iam.list_attached_role_policies(RoleName="PersonalizeS3Access")
        assert attached["AttachedPolicies"] == [
            {"PolicyName": "PersonalizeS3", "PolicyArn": managed["Arn"]}
        ]
        version = iam.get_policy_version(PolicyArn=managed["Arn"], VersionId="v1")
        assert document(version["PolicyVersion"]["Document"]) == json.loads(READ_BUCKET)

        iam.detach_role_policy(RoleName="PersonalizeS3Access", PolicyArn=managed["Arn"])
        iam.delete_role_policy(RoleName="PersonalizeS3Access", PolicyName="read-bucket")
        iam.delete_role(RoleName="PersonalizeS3Access")

    with LocalService(tmp_path) as third:
        assert iam_of(third).list_roles()["Roles"] == []
