"""IAM policy documents: whether one lets a service principal act, and the ones Personalize needs.

Shared by the pipeline (``tasks/s3_access.py`` checks a bucket policy and a role's trust policy
before ``provision`` creates anything) and the local service (``personalize_local/s3_access.py`` refuses
a job whose bucket policy does not let Personalize in), so both judge a policy the same way.
"""

from personalize_facts.iam.evaluation import Refusal, refusals
from personalize_facts.iam.personalize import (
    ASSUME_ROLE,
    GUIDE,
    SERVICE,
    Need,
    bucket_needs,
    bucket_statement,
    trust_policy,
    with_statement,
)

__all__ = [
    "ASSUME_ROLE",
    "GUIDE",
    "SERVICE",
    "Need",
    "Refusal",
    "bucket_needs",
    "bucket_statement",
    "refusals",
    "trust_policy",
    "with_statement",
]
