"""import_dataset over HTTP: import and wait, attach to an import in flight, failures named."""

from __future__ import annotations

from typing import Any

import boto3
import pytest

from personalize_local.process import LocalService
from personalize_local.testing.helpers import arm_faults
from tasks.aws import AwsSettings
from tasks.dataset_groups import ensure_dataset_group
from tasks.dataset_imports import import_dataset
from tasks.datasets import ensure_dataset
from tasks.s3_access import put_bucket_access
from tasks.schemas import ensure_schema
from tasks.waiter import ResourceFailedError
from tests.tasks.helpers import INTERACTIONS, ROLE, upload_interactions


def interactions_dataset(aws: AwsSettings, unique: str) -> str:
    group = ensure_dataset_group(aws, f"g-{unique}")
    schema = ensure_schema(aws, f"s-{unique}", INTERACTIONS)
    return ensure_dataset(aws, group, "interactions", f"i-{unique}", schema)


def test_import_waits_until_active(
    aws: AwsSettings, personalize: Any, s3: Any, bucket: str, unique: str
) -> None:
    dataset = interactions_dataset(aws, unique)
    uri = upload_interactions(s3, bucket)
    arn = import_dataset(aws, dataset, uri, ROLE, job_name=f"job-{unique}")
    job = personalize.describe_dataset_import_job(datasetImportJobArn=arn)["datasetImportJob"]
    assert job["status"] == "ACTIVE" and job["dataSource"]["dataLocation"] == uri
    # A rerun under the same job name finds the finished import: nothing imported twice.
    assert import_dataset(aws, dataset, uri, ROLE, job_name=f"job-{unique}") == arn
    assert len(personalize.list_dataset_import_jobs(datasetArn=dataset)["datasetImportJobs"]) == 1


def test_a_failed_import_surfaces_its_reason(
    aws: AwsSettings, s3: Any, bucket: str, unique: str, faults: Any
) -> None:
    dataset = interactions_dataset(aws, unique)
    uri = upload_interactions(s3, bucket)
    faults({"fail_next": {"dataset-import-job": "The CSV header does not match the schema"}})
    with pytest.raises(ResourceFailedError) as failed:
        import_dataset(aws, dataset, uri, ROLE, job_name=f"fail-{unique}")
    assert failed.value.reason == "The CSV header does not match the schema"
    assert f"dataset-import-job/fail-{unique}" in str(failed.value)


def test_too_little_data_fails_with_the_services_reason(
    aws: AwsSettings, s3: Any, bucket: str, unique: str
) -> None:
    dataset = interactions_dataset(aws, unique)
    uri = upload_interactions(s3, bucket, n_users=3, per_user=2)
    with pytest.raises(ResourceFailedError, match="Too little data"):
        import_dataset(aws, dataset, uri, ROLE)


def test_a_rerun_attaches_to_the_import_in_flight(
    slow_aws: AwsSettings, slow_service: LocalService, unique: str
) -> None:
    personalize, s3 = boto3.client("personalize"), boto3.client("s3")
    s3.create_bucket(Bucket=f"b-{unique}")
    put_bucket_access(s3, f"b-{unique}")
    dataset = interactions_dataset(slow_aws, unique)
    uri = upload_interactions(s3, f"b-{unique}")
    # The crashed run's import stays in flight (5 s at least) until the rerun has looked for it.
    arm_faults(slow_service, {"hold_next": {"dataset-import-job": 5}})
    started = personalize.create_dataset_import_job(
        jobName=f"crashed-{unique}",
        datasetArn=dataset,
        dataSource={"dataLocation": uri},
        roleArn=ROLE,
    )["datasetImportJobArn"]

    arn = import_dataset(slow_aws, dataset, uri, ROLE, job_name=f"rerun-{unique}")

    assert arn == started
    jobs = personalize.list_dataset_import_jobs(datasetArn=dataset)["datasetImportJobs"]
    assert [job["jobName"] for job in jobs] == [f"crashed-{unique}"]
    assert jobs[0]["status"] == "ACTIVE"


def test_an_import_of_other_data_is_waited_out_before_ours(
    slow_aws: AwsSettings, unique: str
) -> None:
    personalize, s3 = boto3.client("personalize"), boto3.client("s3")
    s3.create_bucket(Bucket=f"o-{unique}")
    put_bucket_access(s3, f"o-{unique}")
    dataset = interactions_dataset(slow_aws, unique)
    first = upload_interactions(s3, f"o-{unique}", key="first.csv")
    ours = upload_interactions(s3, f"o-{unique}", key="ours.csv", seed=1)
    personalize.create_dataset_import_job(
        jobName=f"other-{unique}",
        datasetArn=dataset,
        dataSource={"dataLocation": first},
        roleArn=ROLE,
    )
    arn = import_dataset(slow_aws, dataset, ours, ROLE, job_name=f"ours-{unique}")
    jobs = personalize.list_dataset_import_jobs(datasetArn=dataset)["datasetImportJobs"]
    assert {job["jobName"]: job["status"] for job in jobs} == {
        f"other-{unique}": "ACTIVE",
        f"ours-{unique}": "ACTIVE",
    }
    assert arn.endswith(f"ours-{unique}")
