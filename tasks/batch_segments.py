"""User segments: ``run_batch_segment_job`` turns a JSON-lines file of items or item attributes
into segments of users in S3, and ``latest_solution_version`` finds the version to use.

As with batch inference, jobs are identified by name (:mod:`tasks.named_jobs`): a rerun
attaches to the job of that name if it is still running (also one started meanwhile by a
concurrent attempt), returns it if it finished, and raises its failure if it failed.
"""

from __future__ import annotations

from tasks.aws import AwsSettings, client
from tasks.named_jobs import batch_job_request, run_named_job
from tasks.resources import find_all
from tasks.retries import personalize_task


@personalize_task()
def latest_solution_version(aws: AwsSettings, solution_arn: str) -> str | None:
    """The newest ACTIVE (trained) version of a solution, or None."""
    versions = find_all(client(aws, "personalize"), "solution-version", solution_arn)
    active = [v for v in versions if v.get("status") == "ACTIVE"]
    newest = max(active, key=lambda v: v["creationDateTime"], default=None)
    return str(newest["solutionVersionArn"]) if newest else None


@personalize_task()
def run_batch_segment_job(
    aws: AwsSettings,
    job_name: str,
    solution_version_arn: str,
    input_uri: str,
    output_uri: str,
    role_arn: str,
    num_results: int = 25,
    deadline_seconds: float | None = None,
) -> str:
    """The ARN of the finished (ACTIVE) batch segment job ``job_name``."""
    personalize = client(aws, "personalize")
    request = batch_job_request(
        job_name, solution_version_arn, num_results, input_uri, output_uri, role_arn
    )
    return run_named_job(
        personalize,
        "batch-segment-job",
        job_name,
        solution_version_arn,
        lambda: personalize.create_batch_segment_job(**request),
        deadline_seconds,
    )
