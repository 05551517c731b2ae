"""Batch inference: ``run_batch_inference`` scores a JSON-lines file of users into S3.

Jobs are identified by name (unique in an account, :mod:`tasks.named_jobs`): a rerun attaches
to the job of that name if it is still running (also one started meanwhile by a concurrent
attempt), returns it if it finished, and raises its failure if it failed (a failed name cannot
be reused, so the caller picks a new one).
"""

from __future__ import annotations

from typing import Any

from tasks.aws import AwsSettings, client
from tasks.named_jobs import batch_job_request, run_named_job
from tasks.retries import personalize_task


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
    request = batch_job_request(
        job_name, solution_version_arn, num_results, input_uri, output_uri, role_arn
    )
    extra: dict[str, Any] = {}
    if filter_arn:
        extra["filterArn"] = filter_arn
    if job_config:
        extra["batchInferenceJobConfig"] = job_config
    return run_named_job(
        personalize,
        "batch-inference-job",
        job_name,
        solution_version_arn,
        lambda: personalize.create_batch_inference_job(**request, **extra),
        deadline_seconds,
    )
