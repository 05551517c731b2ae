"""run_batch_inference over HTTP: output in S3, rerun by name, failures, attach in flight."""

from __future__ import annotations

import json
from typing import Any

import boto3
import pytest

from tasks.aws import AwsSettings
from tasks.batch_inference import run_batch_inference
from tasks.waiter import ResourceFailedError
from tests.tasks.conftest import Trained
from tests.tasks.helpers import ROLE


def users_file(trained: Trained, key: str) -> str:
    body = "".join(json.dumps({"userId": f"u{i}"}) + "\n" for i in range(5))
    boto3.client("s3").put_object(Bucket=trained.bucket, Key=key, Body=body.encode())
    return f"s3://{trained.bucket}/{key}"


def test_batch_job_writes_recommendations_and_rerun_is_no_duplicate(
    trained: Trained, unique: str
) -> None:
    uri = users_file(trained, f"{unique}/users.json")
    out = f"s3://{trained.bucket}/{unique}/out/"
    name = f"b-{unique}"
    arn = run_batch_inference(trained.aws, name, trained.versions[0], uri, out, ROLE, num_results=5)
    assert run_batch_inference(trained.aws, name, trained.versions[0], uri, out, ROLE) == arn

    personalize, s3 = boto3.client("personalize"), boto3.client("s3")
    jobs = personalize.list_batch_inference_jobs(solutionVersionArn=trained.versions[0])
    assert [j["jobName"] for j in jobs["batchInferenceJobs"]].count(name) == 1
    listing = s3.list_objects_v2(Bucket=trained.bucket, Prefix=f"{unique}/out/")["Contents"]
    body = s3.get_object(Bucket=trained.bucket, Key=listing[0]["Key"])["Body"].read()
    lines = [json.loads(line) for line in body.decode().splitlines()]
    assert len(lines) == 5 and len(lines[0]["output"]["recommendedItems"]) == 5


def test_a_failed_job_surfaces_its_reason_and_its_name_is_not_reused(
    trained: Trained, unique: str, faults: Any
) -> None:
    uri = users_file(trained, f"{unique}/users.json")
    out = f"s3://{trained.bucket}/{unique}/out/"
    faults({"fail_next": {"batch-inference-job": "Access denied to the output bucket"}})
    with pytest.raises(ResourceFailedError) as failed:
        run_batch_inference(trained.aws, f"f-{unique}", trained.versions[0], uri, out, ROLE)
    assert failed.value.reason == "Access denied to the output bucket"
    with pytest.raises(ResourceFailedError, match="new name"):
        run_batch_inference(trained.aws, f"f-{unique}", trained.versions[0], uri, out, ROLE)


def test_a_job_in_flight_is_attached_to(
    slow_aws: AwsSettings, slow_trained: Trained, unique: str
) -> None:
    uri = users_file(slow_trained, f"{unique}/users.json")
    out = f"s3://{slow_trained.bucket}/{unique}/out/"
    personalize = boto3.client("personalize")
    started = personalize.create_batch_inference_job(
        jobName=f"j-{unique}",
        solutionVersionArn=slow_trained.versions[0],
        jobInput={"s3DataSource": {"path": uri}},
        jobOutput={"s3DataDestination": {"path": out}},
        roleArn=ROLE,
    )["batchInferenceJobArn"]
    arn = run_batch_inference(slow_aws, f"j-{unique}", slow_trained.versions[0], uri, out, ROLE)
    assert arn == started
    job = personalize.describe_batch_inference_job(batchInferenceJobArn=arn)
    assert job["batchInferenceJob"]["status"] == "ACTIVE"
