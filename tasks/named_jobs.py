"""Jobs known by their name (batch inference, batch segment, dataset export): run each once.

1. A job of that name under its parent already exists (a rerun): attach to it while it runs,
   return it once ACTIVE, raise its failure if it failed (a job name cannot be reused).
2. Otherwise start it; when the Create call answers ResourceAlreadyExistsException, a
   concurrent attempt started it since the listing (names are unique in an account): attach
   to that one instead.
3. Wait for the job started here to finish; its ARN.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from tasks.errors import PersonalizeError, translated
from tasks.kinds import kind as kind_named
from tasks.reporting import run_logger
from tasks.resources import resume_named_job
from tasks.waiter import wait_for


def batch_job_request(
    job_name: str,
    solution_version_arn: str,
    num_results: int,
    input_uri: str,
    output_uri: str,
    role_arn: str,
) -> dict[str, Any]:
    """The members CreateBatchInferenceJob and CreateBatchSegmentJob share."""
    return {
        "jobName": job_name,
        "solutionVersionArn": solution_version_arn,
        "numResults": num_results,
        "jobInput": {"s3DataSource": {"path": input_uri}},
        "jobOutput": {"s3DataDestination": {"path": output_uri}},
        "roleArn": role_arn,
    }


def run_named_job(
    personalize: Any,
    kind: str,
    job_name: str,
    parent: str,
    create: Callable[[], Mapping[str, Any]],
    deadline_seconds: float | None = None,
) -> str:
    """The ARN of the finished (ACTIVE) job ``job_name`` of ``kind`` under ``parent``, started
    with ``create`` (the Create call) unless it exists."""
    existing = resume_named_job(personalize, kind, job_name, parent, deadline_seconds)
    if existing:
        return existing
    try:
        with translated(f"{kind.replace('-', ' ')} {job_name}"):
            response = create()
    except PersonalizeError as error:
        raced = error.code == "ResourceAlreadyExistsException" and resume_named_job(
            personalize, kind, job_name, parent, deadline_seconds
        )
        if not raced:
            raise
        run_logger().info("The %s %s was started meanwhile; attached to it", kind, job_name)
        return raced
    arn = str(response[kind_named(kind).arn])
    run_logger().info("Started %s %s: %s", kind, job_name, arn)
    wait_for(personalize, kind, arn, deadline_seconds=deadline_seconds)
    return arn
