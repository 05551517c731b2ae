"""Jobs known by name over HTTP: a job started meanwhile under the same name is attached to.

The race: a concurrent attempt creates the job after this one listed (AWS's List calls are
eventually consistent too), so this one's Create answers ResourceAlreadyExistsException from
the local service. The first listing is made to miss the job; everything else is the real path.
"""

from __future__ import annotations

import json
from typing import Any

import boto3
import pytest

import tasks.named_jobs
from tasks.batch_inference import run_batch_inference
from tasks.batch_segments import run_batch_segment_job
from tasks.solution_versions import train_solution_version
from tasks.solutions import ensure_solution
from tests.tasks.conftest import Trained
from tests.tasks.helpers import ROLE


@pytest.fixture
def first_listing_misses(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The first look for a job by name finds nothing; the names looked for, in order."""
    real = tasks.named_jobs.resume_named_job
    looked: list[str] = []

    def lagging(client: Any, kind: str, job_name: str, *args: Any) -> str | None:
        looked.append(job_name)
        return None if len(looked) == 1 else real(client, kind, job_name, *args)

    monkeypatch.setattr(tasks.named_jobs, "resume_named_job", lagging)
    return looked


def started_meanwhile(kind: str, trained: Trained, name: str, key: str, version: str) -> str:
    """The concurrent attempt: the job created directly under ``name``; its ARN."""
    s3 = boto3.client("s3")
    line = {"itemId": "i1"} if kind == "segment" else {"userId": "u1"}
    s3.put_object(Bucket=trained.bucket, Key=key, Body=(json.dumps(line) + "\n").encode())
    create = getattr(boto3.client("personalize"), f"create_batch_{kind}_job")
    response = create(
        jobName=name,
        solutionVersionArn=version,
        jobInput={"s3DataSource": {"path": f"s3://{trained.bucket}/{key}"}},
        jobOutput={"s3DataDestination": {"path": f"s3://{trained.bucket}/{name}/out/"}},
        roleArn=ROLE,
    )
    return str(response[f"batch{kind.title()}JobArn"])


def test_a_batch_segment_job_started_meanwhile_is_attached_to(
    trained: Trained, unique: str, first_listing_misses: list[str]
) -> None:
    solution = ensure_solution.fn(
        trained.aws, trained.group, f"{trained.name}-affinity-{unique}",
        "arn:aws:personalize:::recipe/aws-item-affinity",
    )  # fmt: skip
    version = train_solution_version.fn(trained.aws, solution)
    name = f"seg-{unique}"
    started = started_meanwhile("segment", trained, name, f"{name}/in.json", version)

    arn = run_batch_segment_job.fn(
        trained.aws, name, version, f"s3://{trained.bucket}/{name}/in.json",
        f"s3://{trained.bucket}/{name}/out/", ROLE,
    )  # fmt: skip
    assert arn == started and first_listing_misses == [name, name]
    jobs = boto3.client("personalize").list_batch_segment_jobs(solutionVersionArn=version)
    assert [j["jobName"] for j in jobs["batchSegmentJobs"]].count(name) == 1
    assert jobs["batchSegmentJobs"][0]["status"] == "ACTIVE"


def test_a_batch_inference_job_started_meanwhile_is_attached_to(
    trained: Trained, unique: str, first_listing_misses: list[str]
) -> None:
    name = f"inf-{unique}"
    version = trained.versions[0]
    started = started_meanwhile("inference", trained, name, f"{name}/in.json", version)

    arn = run_batch_inference.fn(
        trained.aws, name, version, f"s3://{trained.bucket}/{name}/in.json",
        f"s3://{trained.bucket}/{name}/out/", ROLE,
    )  # fmt: skip
    assert arn == started and first_listing_misses == [name, name]
