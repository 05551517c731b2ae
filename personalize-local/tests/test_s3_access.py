"""The local service checks the bucket policy as AWS does before a job reads or writes S3
(issue 10 item 4), through HTTP with unmodified boto3.

Sources: a real CreateDatasetImportJob answered InvalidInputException "Insufficient privileges
for accessing data in S3. ..." at create (``docs/aws-facts.md#s3-access``, immersion day), and a
real deployment answered "... #attach-bucket-policy and fix bucket policy on BUCKET." with
HTTP 400; the developer guide's "Giving Amazon Personalize access to Amazon S3 resources"
documents the grants (s3:GetObject and s3:ListBucket to import, s3:PutObject and s3:ListBucket
to export, all three for batch workflows) to the principal personalize.amazonaws.com.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from personalize_facts.iam import SERVICE
from personalize_local.process import LocalService
from personalize_local.testing.helpers import (
    INTERACTIONS_SCHEMA,
    active_dataset,
    active_group,
    grant_bucket,
    interactions_csv,
    put_csv,
    run_export,
    run_import,
)
from personalize_local.testing.training_setup import active_solution, loaded_group, settled, train

ROLE = "arn:aws:iam::000000000000:role/PersonalizeS3"
REFUSED = "Insufficient privileges for accessing data in S3. Please look at https://docs.aws.amazon.com/personalize/latest/dg/granting-personalize-s3-access.html#attach-bucket-policy and fix bucket policy on {}."


def read_only(bucket: str) -> str:
    """The guide's bucket policy for imports (no s3:PutObject)."""
    return json.dumps({
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": "Allow", "Principal": {"Service": SERVICE},
            "Action": ["s3:GetObject", "s3:ListBucket"],
            "Resource": [f"arn:aws:s3:::{bucket}", f"arn:aws:s3:::{bucket}/*"],
        }],
    })  # fmt: skip


@pytest.fixture
def dataset(personalize: Any, unique: str) -> str:
    group = active_group(personalize, f"access-{unique}")
    return active_dataset(personalize, group, "Interactions", INTERACTIONS_SCHEMA, f"i-{unique}")


def import_error(personalize: Any, dataset: str, uri: str) -> ClientError:
    with pytest.raises(ClientError) as caught:
        personalize.create_dataset_import_job(
            jobName=f"refused-{dataset[-8:]}",
            datasetArn=dataset,
            dataSource={"dataLocation": uri},
            roleArn=ROLE,
        )
    return caught.value


def test_an_import_from_a_bucket_without_a_policy_fails_at_create_as_aws_answers(
    personalize: Any, s3: Any, dataset: str, unique: str
) -> None:
    bucket = f"no-policy-{unique}"
    s3.create_bucket(Bucket=bucket)
    uri = put_csv(s3, bucket, "i.csv", interactions_csv())

    error = import_error(personalize, dataset, uri)
    assert error.response["Error"]["Code"] == "InvalidInputException"
    assert error.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert error.response["Error"]["Message"] == REFUSED.format(bucket)
    assert personalize.list_dataset_import_jobs(datasetArn=dataset)["datasetImportJobs"] == []

    grant_bucket(s3, bucket)  # what the message asks for: then the same import works
    assert run_import(personalize, dataset, uri, f"granted-{unique}")["status"] == "ACTIVE"


@pytest.mark.parametrize(
    ("statement", "refused"),
    [
        ({"Action": "s3:GetObject", "Resource": "arn:aws:s3:::{b}/*"}, True),  # no ListBucket
        ({"Action": "s3:*", "Resource": "arn:aws:s3:::{b}/other/*"}, True),  # another prefix
        ({"Action": "s3:*", "Resource": "arn:aws:s3:::{b}*",
          "Principal": {"Service": "glue.amazonaws.com"}}, True),  # another service
        ({"Action": ["s3:List*", "s3:Get*"], "Resource": ["arn:aws:s3:::{b}", "arn:aws:s3:::{b}/data/*"]}, False),
        ({"Action": "s3:*", "Resource": "*", "Principal": "*"}, False),
    ],
)  # fmt: skip
def test_the_policy_must_grant_personalize_listing_and_reading_where_it_imports(
    personalize: Any, s3: Any, dataset: str, unique: str, statement: dict[str, Any], refused: bool
) -> None:
    bucket = f"policy-{unique}"
    s3.create_bucket(Bucket=bucket)
    uri = put_csv(s3, bucket, "data/i.csv", interactions_csv())
    granted = {"Effect": "Allow", "Principal": {"Service": SERVICE}, **statement}
    document = json.dumps({"Version": "2012-10-17", "Statement": [granted]})
    s3.put_bucket_policy(Bucket=bucket, Policy=document.replace("{b}", bucket))
    if refused:
        assert import_error(personalize, dataset, uri).response["Error"]["Message"] == (
            REFUSED.format(bucket)
        )
    else:
        assert run_import(personalize, dataset, uri, f"allowed-{unique}")["status"] == "ACTIVE"


def test_the_guides_conditions_must_name_the_local_stacks_account(
    personalize: Any, s3: Any, dataset: str, unique: str
) -> None:
    """Personalize acts for the account of its ARNs (aws:SourceAccount, aws:SourceArn: the
    guide's confused-deputy conditions): a policy written for another account refuses it."""
    bucket = f"account-{unique}"
    s3.create_bucket(Bucket=bucket)
    uri = put_csv(s3, bucket, "i.csv", interactions_csv())
    grant_bucket(s3, bucket, "123456789012", "us-east-1")
    assert import_error(personalize, dataset, uri).response["Error"]["Message"] == (
        REFUSED.format(bucket)
    )
    account = dataset.split(":")[4]
    grant_bucket(s3, bucket, account, "us-east-1")  # replaces the other account's
    assert run_import(personalize, dataset, uri, f"mine-{unique}")["status"] == "ACTIVE"


def test_a_deny_statement_wins(personalize: Any, s3: Any, dataset: str, bucket: str) -> None:
    uri = put_csv(s3, bucket, "i.csv", interactions_csv())
    policy = json.loads(s3.get_bucket_policy(Bucket=bucket)["Policy"])
    policy["Statement"].append({"Sid": "NoReads", "Effect": "Deny", "Principal": "*",
                                "Action": "s3:GetObject", "Resource": f"arn:aws:s3:::{bucket}/*"})  # fmt: skip
    s3.put_bucket_policy(Bucket=bucket, Policy=json.dumps(policy))
    assert import_error(personalize, dataset, uri).response["Error"]["Code"] == (
        "InvalidInputException"
    )


def test_an_export_needs_put_object_which_the_import_policy_lacks(
    personalize: Any, s3: Any, dataset: str, unique: str
) -> None:
    bucket = f"read-only-{unique}"
    s3.create_bucket(Bucket=bucket)
    s3.put_bucket_policy(Bucket=bucket, Policy=read_only(bucket))
    uri = put_csv(s3, bucket, "i.csv", interactions_csv())
    assert run_import(personalize, dataset, uri, f"read-{unique}")["status"] == "ACTIVE"

    with pytest.raises(ClientError) as caught:
        run_export(
            personalize, dataset, f"out-{unique}", f"s3://{bucket}/exports/", ingestionMode="BULK"
        )
    assert caught.value.response["Error"]["Message"] == REFUSED.format(bucket)

    grant_bucket(s3, bucket)  # the guide's batch policy adds s3:PutObject
    done = run_export(
        personalize, dataset, f"out-{unique}", f"s3://{bucket}/exports/", ingestionMode="BULK"
    )
    assert done["status"] == "ACTIVE"


@pytest.mark.slow
def test_bucket_policies_outlive_a_restart_of_the_local_s3(tmp_path: Path) -> None:
    with LocalService(tmp_path) as first:
        s3 = boto3.client("s3", endpoint_url=first.env["AWS_ENDPOINT_URL_S3"])
        for name in ("granted", "revoked"):
            s3.create_bucket(Bucket=name)
            grant_bucket(s3, name)
        s3.delete_bucket_policy(Bucket="revoked")
        policy = s3.get_bucket_policy(Bucket="granted")["Policy"]
    with LocalService(tmp_path) as second:
        s3 = boto3.client("s3", endpoint_url=second.env["AWS_ENDPOINT_URL_S3"])
        assert json.loads(s3.get_bucket_policy(Bucket="granted")["Policy"]) == json.loads(policy)
        with pytest.raises(ClientError) as caught:
            s3.get_bucket_policy(Bucket="revoked")
        assert caught.value.response["Error"]["Code"] == "NoSuchBucketPolicy"


@pytest.mark.slow
def test_a_batch_job_needs_to_write_its_output_bucket(
    personalize: Any, s3: Any, bucket: str, unique: str
) -> None:
    """The guide's batch workflows: s3:PutObject on the output as well as reading the input."""
    group = loaded_group(personalize, s3, bucket, f"batch-access-{unique}")
    solution = active_solution(personalize, group, f"s-{unique}", "aws-popularity-count")
    version = train(personalize, solution)["solutionVersionArn"]
    output = f"out-{unique}"
    s3.create_bucket(Bucket=output)
    s3.put_bucket_policy(Bucket=output, Policy=read_only(output))
    s3.put_object(Bucket=bucket, Key="users.json", Body=b'{"userId": "u1"}\n')
    job = {
        "solutionVersionArn": version,
        "jobInput": {"s3DataSource": {"path": f"s3://{bucket}/users.json"}},
        "jobOutput": {"s3DataDestination": {"path": f"s3://{output}/batch/"}},
        "roleArn": ROLE,
    }
    with pytest.raises(ClientError) as caught:
        personalize.create_batch_inference_job(jobName=f"refused-{unique}", **job)
    assert caught.value.response["Error"]["Message"] == REFUSED.format(output)

    grant_bucket(s3, output)
    arn = personalize.create_batch_inference_job(jobName=f"granted-{unique}", **job)
    done = settled(
        lambda: personalize.describe_batch_inference_job(
            batchInferenceJobArn=arn["batchInferenceJobArn"]
        )["batchInferenceJob"]
    )
    assert done["status"] == "ACTIVE", done
    assert s3.get_object(Bucket=output, Key="batch/users.json.out")["Body"].read()
