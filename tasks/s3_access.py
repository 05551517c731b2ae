"""Whether Personalize may use the configured bucket and role, checked before anything is created.

1. The bucket policy of ``config.bucket`` (S3 GetBucketPolicy) must let the service principal
   ``personalize.amazonaws.com`` list the bucket and get and put its objects: imports read it,
   batch jobs and exports write to it (the developer guide's "Giving Amazon Personalize access
   to Amazon S3 resources"). Without it AWS refuses the first import: "Insufficient privileges
   for accessing data in S3".
2. The role of ``config.role_arn`` (IAM GetRole) must exist, and its trust policy must let that
   principal ``sts:AssumeRole``.
3. Each gap is a :class:`~tasks.findings.Finding` naming what is missing, with the JSON to apply
   (the bucket's other statements kept) and the AWS CLI command that applies it. Where this
   identity may not read the policy or the role (AccessDenied), the finding is a warning saying
   what to check by hand; it stops nothing.

:func:`grant_personalize_access` applies both documents, as a user does once on AWS; the demo
and the local stack use it. The role's permissions policy (``deployments/
personalize-role-s3-policy.json``) is not checked.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import unquote

from botocore.exceptions import ClientError

from personalize_facts.iam import (
    ASSUME_ROLE,
    SERVICE,
    bucket_needs,
    bucket_statement,
    refusals,
    trust_policy,
    with_statement,
)
from tasks.aws import AwsSettings, client
from tasks.config import PipelineConfig
from tasks.errors import translated
from tasks.findings import Finding
from tasks.reporting import run_logger
from tasks.retries import personalize_task

DENIED = frozenset({"AccessDenied", "AccessDeniedException"})
REFUSED = "the first import would fail with 'Insufficient privileges for accessing data in S3'."


def access_findings(aws: AwsSettings, config: PipelineConfig) -> list[Finding]:
    """What keeps Personalize from using the configured bucket or assuming the role, and the
    sources' buckets that do not exist."""
    s3 = client(aws, "s3")
    account = _account(config.role_arn)
    region = aws.region or s3.meta.region_name
    sources = {
        f"datasets.{kind}.source.uri": dataset.source.uri
        for kind, dataset in config.datasets.configured().items()
        if dataset.source is not None
    }
    return (
        bucket_findings(s3, config.bucket, account, region)
        + role_findings(client(aws, "iam"), config.role_arn, region)
        + source_bucket_findings(s3, sources)
    )


def source_bucket_findings(s3: Any, sources: dict[str, str]) -> list[Finding]:
    """For each source (field: URI) on S3 whose bucket does not exist, a finding naming it
    (ListObjectsV2 answers NoSuchBucket; a bucket this identity may not list is left to the
    import, which says so)."""
    findings = []
    for field, uri in sources.items():
        if not uri.startswith("s3://"):
            continue
        bucket = uri.removeprefix("s3://").split("/", 1)[0]
        try:
            s3.list_objects_v2(Bucket=bucket, MaxKeys=1)
        except ClientError as error:
            if _code(error) != "NoSuchBucket":
                continue
            findings.append(
                Finding(
                    "source", f"{field} {uri}", f"the bucket {bucket} does not exist.",
                    "Check the bucket's name, or create it and put the export there "
                    f"(aws s3 mb s3://{bucket}).",
                )
            )  # fmt: skip
    return findings


def bucket_findings(s3: Any, bucket: str, account: str, region: str) -> list[Finding]:
    """The bucket policy's gaps for Personalize (read and write on the whole bucket)."""
    subject = f"bucket {bucket}"
    try:
        policy: dict[str, Any] | None = json.loads(s3.get_bucket_policy(Bucket=bucket)["Policy"])
    except ClientError as error:
        code = _code(error)
        if code in DENIED:
            return [
                Finding(
                    "s3-access", subject,
                    f"this identity may not read its bucket policy ({code}), so whether "
                    "Personalize may use the bucket was not checked.",
                    f"Check that it grants {SERVICE} s3:GetObject, s3:PutObject and "
                    "s3:ListBucket on the bucket and its objects (deployments/bucket-policy.json), "
                    "or allow this identity s3:GetBucketPolicy.",
                    warning=True,
                )
            ]  # fmt: skip
        if code == "NoSuchBucket":
            return [Finding("s3-access", subject, "does not exist.", f"aws s3 mb s3://{bucket}")]
        if code != "NoSuchBucketPolicy":
            raise
        policy = None
    missing = refusals(policy, SERVICE, bucket_needs(bucket, "*", read=True, write=True))
    if policy is not None and not missing:
        return []
    gaps = "; ".join(map(str, missing))
    why = "has no bucket policy" if policy is None else f"its bucket policy does not grant {gaps}"
    document = with_statement(policy, bucket_statement(bucket, account, region))
    return [
        Finding(
            "s3-access",
            subject,
            f"{why}: Amazon Personalize ({SERVICE}) may not use it, and {REFUSED}",
            "Apply this bucket policy (other statements kept) with `aws s3api put-bucket-policy "
            f"--bucket {bucket} --policy file://bucket-policy.json`:\n"
            + json.dumps(document, indent=2),
        )
    ]


def role_findings(iam: Any, role_arn: str, region: str) -> list[Finding]:
    """The role's gaps: missing, or a trust policy that does not let Personalize assume it."""
    name, subject = _role_name(role_arn), f"role_arn {role_arn}"
    trust = json.dumps(trust_policy(_account(role_arn), region), indent=2)
    try:
        role = iam.get_role(RoleName=name)["Role"]
    except ClientError as error:
        code = _code(error)
        if code in DENIED:
            return [
                Finding(
                    "role", subject,
                    f"this identity may not read the role ({code}), so its trust policy was "
                    "not checked.",
                    f"Check that it lets {SERVICE} {ASSUME_ROLE} "
                    "(deployments/personalize-role-trust-policy.json), or allow this identity "
                    "iam:GetRole on it.",
                    warning=True,
                )
            ]  # fmt: skip
        if code != "NoSuchEntity":
            raise
        return [
            Finding(
                "role", subject, "does not exist: Personalize cannot assume it.",
                f"Create it with `aws iam create-role --role-name {name} "
                "--assume-role-policy-document file://trust-policy.json` (then attach "
                "deployments/personalize-role-s3-policy.json), trust-policy.json being:\n" + trust,
            )
        ]  # fmt: skip
    document = role.get("AssumeRolePolicyDocument") or {}
    if isinstance(document, str):  # IAM's wire form is URL-encoded JSON
        document = json.loads(unquote(document))
    missing = refusals(document, SERVICE, [(ASSUME_ROLE, None)])
    if not missing:
        return []
    return [
        Finding(
            "role", subject,
            f"its trust policy does not let {SERVICE} {ASSUME_ROLE} ({missing[0].reason}): "
            "every job would fail.",
            f"Apply this trust policy with `aws iam update-assume-role-policy --role-name {name} "
            "--policy-document file://trust-policy.json`:\n" + trust,
        )
    ]  # fmt: skip


@personalize_task()
def grant_personalize_access(aws: AwsSettings, bucket: str, role_arn: str) -> None:
    """Apply the documented bucket policy to ``bucket`` and Personalize's trust policy to
    ``role_arn``'s role (creating it), as a user does once on AWS."""
    s3 = client(aws, "s3")
    apply_access(s3, client(aws, "iam"), bucket, role_arn, aws.region or s3.meta.region_name)
    run_logger().info("Personalize may use s3://%s and assume %s", bucket, role_arn)


def apply_access(s3: Any, iam: Any, bucket: str, role_arn: str, region: str | None) -> None:
    """What :func:`grant_personalize_access` does, with the given clients."""
    put_bucket_access(s3, bucket, _account(role_arn), region)
    name, trust = _role_name(role_arn), json.dumps(trust_policy(_account(role_arn), region))
    with translated(f"role {name}"):
        try:
            iam.update_assume_role_policy(RoleName=name, PolicyDocument=trust)
        except ClientError as error:
            if _code(error) != "NoSuchEntity":
                raise
            iam.create_role(RoleName=name, AssumeRolePolicyDocument=trust)


def put_bucket_access(
    s3: Any, bucket: str, account: str | None = None, region: str | None = None
) -> None:
    """Add the guide's Personalize statement to the bucket's policy (other statements kept)."""
    try:
        policy = json.loads(s3.get_bucket_policy(Bucket=bucket)["Policy"])
    except ClientError as error:
        if _code(error) != "NoSuchBucketPolicy":
            raise
        policy = None
    document = with_statement(policy, bucket_statement(bucket, account, region))
    s3.put_bucket_policy(Bucket=bucket, Policy=json.dumps(document))


def _code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))


def _account(role_arn: str) -> str:
    return role_arn.split(":")[4]


def _role_name(role_arn: str) -> str:
    """The role's name (the last part of ``role/path/name``)."""
    return role_arn.split(":role/", 1)[1].rsplit("/", 1)[-1]
