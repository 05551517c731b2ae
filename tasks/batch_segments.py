"""User segments: ``run_batch_segment_job`` turns a JSON-lines file of items or item attributes
into segments of users in S3, and ``latest_solution_version`` finds the version to use.

As with batch inference, jobs are identified by name: a rerun attaches to the job of that name
if it is still running, returns it if it finished, and raises its failure if it failed.
"""

from __future__ import annotations

from tasks.aws import AwsSettings, client
from tasks.errors import translated
from tasks.reporting import run_logger
from tasks.resources import find_all, resume_named_job
from tasks.retries import personalize_task
from tasks.waiter import wait_for


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
    existing = resume_named_job(
        personalize, "batch-segment-job", job_name, solution_version_arn, deadline_seconds
    )
    if existing:
        return existing
    with translated(f"batch segment job {job_name}"):
        response = personalize.create_batch_segment_job(
            jobName=job_name,
            solutionVersionArn=solution_version_arn,
            numResults=num_results,
            jobInput={"s3DataSource": {"path": input_uri}},
            jobOutput={"s3DataDestination": {"path": output_uri}},
            roleArn=role_arn,
        )
    arn = str(response["batchSegmentJobArn"])
    run_logger().info("Started batch segment job %s: %s", job_name, arn)
    wait_for(personalize, "batch-segment-job", arn, deadline_seconds=deadline_seconds)
    return arn
