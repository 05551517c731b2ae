"""Personalize's S3 access check: a job reads or writes only where the bucket policy lets it.

1. When a job is created (CreateDatasetImportJob, CreateDataDeletionJob, CreateBatchInferenceJob,
   CreateBatchSegmentJob, CreateDatasetExportJob, and CreateMetricAttribution's report output),
   the policy of each bucket it will read or write is read from the S3 the service uses
   (GetBucketPolicy), as Personalize reads it with its own service principal.
2. The policy must let ``personalize.amazonaws.com`` list the bucket and get (to read) or put
   (to write) objects under the job's location (``personalize_facts.iam``: Allow statements for the
   principal, wildcards in actions and resources; a Deny wins), Personalize acting for the
   service's account: the guide's confused-deputy conditions are evaluated with
   ``aws:SourceAccount`` the account of the local stack (``--account-id``) and
   ``aws:SourceArn`` the job's ARN, so a policy written for another account refuses the job.
3. No policy, or a missing grant, refuses the Create call with InvalidInputException and the
   real service's words: "Insufficient privileges for accessing data in S3. Please look at
   .../granting-personalize-s3-access.html#attach-bucket-policy and fix bucket policy on
   BUCKET." (a real CreateDatasetImportJob and a CloudFormation deployment answered it at
   create, HTTP 400; ``docs/aws-facts.md#s3-access``). A bucket that does not exist is left to
   the job, which fails reading it as before.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from botocore.exceptions import ClientError

from personalize_facts.iam import GUIDE, SERVICE, bucket_needs, refusals
from personalize_local.errors import InvalidInputException
from personalize_local.service import Service

log = logging.getLogger("personalize_local.s3_access")


def require_access(
    service: Service, source_arn: str, reads: tuple[str, ...] = (), writes: tuple[str, ...] = ()
) -> None:
    """Refuse the call unless each bucket's policy lets Personalize, acting for
    ``source_arn`` (the job's ARN), read ``reads`` and write ``writes`` (``s3://bucket/prefix``
    locations)."""
    context = {"aws:SourceAccount": service.settings.account_id, "aws:SourceArn": source_arn}
    for uri, read, write in [(u, True, False) for u in reads] + [(u, False, True) for u in writes]:
        bucket, _, prefix = uri.removeprefix("s3://").partition("/")
        if not uri.startswith("s3://") or not bucket:
            continue  # the job's own location check names the bad value
        readable, policy = _bucket_policy(service, bucket)
        if not readable:
            continue
        missing = refusals(policy, SERVICE, bucket_needs(bucket, prefix, read, write), context)
        if policy is None or missing:
            why = "no bucket policy" if policy is None else "; ".join(map(str, missing))
            log.info("Refused access to s3://%s/%s for Personalize: %s", bucket, prefix, why)
            raise InvalidInputException(
                "Insufficient privileges for accessing data in S3. Please look at "
                f"{GUIDE}#attach-bucket-policy and fix bucket policy on {bucket}."
            )


def _bucket_policy(service: Service, bucket: str) -> tuple[bool, dict[str, Any] | None]:
    """(readable, the bucket's policy or None when it has none). Not readable: the bucket is
    not there (or its S3 does not answer policies), which leaves the job to fail as it reads."""
    try:
        return True, dict(json.loads(service.s3().get_bucket_policy(Bucket=bucket)["Policy"]))
    except ClientError as error:
        code = error.response.get("Error", {}).get("Code", "")
        if code == "NoSuchBucketPolicy":
            return True, None
        if code != "NoSuchBucket":
            log.warning("Cannot read the policy of bucket %s (%s); not checked", bucket, code)
        return False, None
