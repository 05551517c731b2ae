"""Batch inference: ``run_batch_inference`` scores a JSON-lines file of users into S3.

Jobs are identified by name (unique in an account): a rerun attaches to the job of that name
if it is still running, returns it if it finished, and raises its failure if it failed (a
failed name cannot be reused, so the caller picks a new one).
"""

from __future__ import annotations

from typing import Any

from tasks.aws import AwsSettings, client
from tasks.errors import PersonalizeError, translated
from tasks.reporting import run_logger
from tasks.resources import resume_named_job
from tasks.retries import personalize_task
from tasks.waiter import wait_for


@personalize_task()
def run_batch_inference(
    aws: AwsSettings,
    job_name: str,
    solution_version_arn: str,
    input_uri: str,
    output_uri: str,
    role_arn: str,
    num_results: int = 25,
    filter_arn: str | None = None,
    job_config: dict[str, Any] | None = None,
    deadline_seconds: float | None = None,
) -> str:
    """The ARN of the finished (ACTIVE) batch inference job ``job_name``."""
    personalize = client(aws, "personalize")
    logger = run_logger()
    existing = resume_named_job(
        personalize, "batch-inference-job", job_name, solution_version_arn, deadline_seconds
    )
    if existing:
        return existing
    extra: dict[str, Any] = {}
    if filter_arn:
        extra["filterArn"] = filter_arn
    if job_config:
        extra["batchInferenceJobConfig"] = job_config
    try:
        with translated(f"batch inference job {job_name}"):
            response = personalize.create_batch_inference_job(
                jobName=job_name,
                solutionVersionArn=solution_version_arn,
                numResults=num_results,
                jobInput={"s3DataSource": {"path": input_uri}},
                jobOutput={"s3DataDestination": {"path": output_uri}},
                roleArn=role_arn,
                **extra,
            )
    except PersonalizeError as error:
        # Started by a concurrent attempt since we listed: attach to it (names are unique).
        raced = error.code == "ResourceAlreadyExistsException" and resume_named_job(
            personalize, "batch-inference-job", job_name, solution_version_arn, deadline_seconds
        )
        if not raced:
            raise
        return raced
    arn = str(response["batchInferenceJobArn"])
    logger.info("Started batch inference job %s: %s", job_name, arn)
    wait_for(personalize, "batch-inference-job", arn, deadline_seconds=deadline_seconds)
    return arn
