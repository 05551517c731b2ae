"""The policies Amazon Personalize needs, as its developer guide documents them.

"Giving Amazon Personalize access to Amazon S3 resources" (``GUIDE``): the bucket holding the
data needs a bucket policy granting the service principal ``personalize.amazonaws.com``
``s3:GetObject`` and ``s3:ListBucket`` to read (dataset import and data deletion jobs),
``s3:PutObject`` and ``s3:ListBucket`` to write (dataset export jobs), all three for batch
workflows (batch inference and batch segment jobs read their input and write their output).
The role Personalize assumes needs a trust policy allowing that principal ``sts:AssumeRole``.
Both documents carry the guide's confused-deputy conditions (``aws:SourceAccount``,
``aws:SourceArn``) when the account is known; ``deployments/`` holds them for docs/deploying.md.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

SERVICE = "personalize.amazonaws.com"
GUIDE = "https://docs.aws.amazon.com/personalize/latest/dg/granting-personalize-s3-access.html"
ASSUME_ROLE = "sts:AssumeRole"
STATEMENT_ID = "PersonalizeS3BucketAccessPolicy"
VERSION = "2012-10-17"

Need = tuple[str, str | None]
"""An action the service must be allowed, and on which resource (None: a trust policy)."""


def bucket_needs(
    bucket: str, prefix: str = "", read: bool = False, write: bool = False
) -> list[Need]:
    """What a job reading and/or writing under ``s3://bucket/prefix`` needs the bucket policy to
    grant: ``s3:ListBucket`` on the bucket, ``s3:GetObject``/``s3:PutObject`` on its objects."""
    objects = f"arn:aws:s3:::{bucket}/{prefix}"
    needs: list[Need] = [("s3:ListBucket", f"arn:aws:s3:::{bucket}")]
    if read:
        needs.append(("s3:GetObject", objects))
    if write:
        needs.append(("s3:PutObject", objects))
    return needs


def bucket_statement(
    bucket: str, account: str | None = None, region: str | None = None
) -> dict[str, Any]:
    """The guide's bucket policy statement for batch workflows (read and write), on the whole
    bucket, with the confused-deputy conditions when ``account`` is given."""
    statement: dict[str, Any] = {
        "Sid": STATEMENT_ID,
        "Effect": "Allow",
        "Principal": {"Service": SERVICE},
        "Action": ["s3:GetObject", "s3:PutObject", "s3:ListBucket"],
        "Resource": [f"arn:aws:s3:::{bucket}", f"arn:aws:s3:::{bucket}/*"],
    }
    return statement | _conditions(account, region)


def with_statement(
    policy: Mapping[str, Any] | None, statement: Mapping[str, Any]
) -> dict[str, Any]:
    """``policy`` with ``statement`` added (replacing one with the same ``Sid``); a new policy
    when there is none. Every other statement is kept as it was."""
    base = dict(policy or {"Version": VERSION, "Id": STATEMENT_ID})
    listed = base.get("Statement", [])
    kept = [listed] if isinstance(listed, Mapping) else list(listed)
    kept = [s for s in kept if s.get("Sid") != statement.get("Sid") or not statement.get("Sid")]
    return {**base, "Statement": [*kept, dict(statement)]}


def trust_policy(account: str | None = None, region: str | None = None) -> dict[str, Any]:
    """The trust policy letting Personalize assume the role (with the confused-deputy
    conditions when ``account`` is given)."""
    statement = {"Effect": "Allow", "Principal": {"Service": SERVICE}, "Action": ASSUME_ROLE}
    return {"Version": VERSION, "Statement": [statement | _conditions(account, region)]}


def _conditions(account: str | None, region: str | None) -> dict[str, Any]:
    if not account:
        return {}
    return {
        "Condition": {
            "StringEquals": {"aws:SourceAccount": account},
            "ArnLike": {"aws:SourceArn": f"arn:aws:personalize:{region or '*'}:{account}:*"},
        }
    }
