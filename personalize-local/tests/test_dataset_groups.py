"""Dataset groups over HTTP: lifecycle, errors, pagination and validation, as AWS answers."""

from __future__ import annotations

import time
from typing import Any

import pytest
from botocore.exceptions import ClientError

from personalize_local.process import LocalService
from personalize_local.testing.helpers import wait_status


def test_dataset_group_lifecycle(personalize: Any, unique: str) -> None:
    arn = personalize.create_dataset_group(name=f"dsg-{unique}")["datasetGroupArn"]
    assert arn == f"arn:aws:personalize:us-east-1:000000000000:dataset-group/dsg-{unique}"

    group = wait_status(
        lambda: personalize.describe_dataset_group(datasetGroupArn=arn), "datasetGroup", "ACTIVE"
    )
    assert group["name"] == f"dsg-{unique}"
    assert group["creationDateTime"].year >= 2024

    listed = [g["datasetGroupArn"] for g in personalize.list_dataset_groups()["datasetGroups"]]
    assert arn in listed

    personalize.delete_dataset_group(datasetGroupArn=arn)
    deadline = time.monotonic() + 10
    with pytest.raises(ClientError) as gone:
        while time.monotonic() < deadline:
            personalize.describe_dataset_group(datasetGroupArn=arn)
            time.sleep(0.02)
    assert gone.value.response["Error"]["Code"] == "ResourceNotFoundException"


def test_duplicate_name_is_rejected(personalize: Any, unique: str) -> None:
    personalize.create_dataset_group(name=f"dup-{unique}")
    with pytest.raises(ClientError) as error:
        personalize.create_dataset_group(name=f"dup-{unique}")
    assert error.value.response["Error"]["Code"] == "ResourceAlreadyExistsException"


def test_model_constraints_are_checked_by_the_service(raw_personalize: Any) -> None:
    with pytest.raises(ClientError) as error:
        raw_personalize.create_dataset_group(name="no spaces allowed")
    assert error.value.response["Error"]["Code"] == "ValidationException"
    assert "at 'name'" in error.value.response["Error"]["Message"]
    assert error.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400

    with pytest.raises(ClientError) as missing:
        raw_personalize.create_dataset_group()
    assert "Value null at 'name'" in missing.value.response["Error"]["Message"]

    with pytest.raises(ClientError) as enum:
        raw_personalize.create_dataset_group(name="ok-name", domain="GROCERY")
    assert "enum value set" in enum.value.response["Error"]["Message"]


def test_pagination_walks_every_group_once(personalize: Any, unique: str) -> None:
    created = {personalize.create_dataset_group(name=f"page-{unique}-{i}")["datasetGroupArn"]
               for i in range(5)}  # fmt: skip
    seen: list[str] = []
    for page in personalize.get_paginator("list_dataset_groups").paginate(
        PaginationConfig={"PageSize": 2}
    ):
        assert len(page["datasetGroups"]) <= 2
        seen += [g["datasetGroupArn"] for g in page["datasetGroups"]]
    assert created <= set(seen)
    assert len(seen) == len(set(seen))


def test_bad_next_token(personalize: Any) -> None:
    with pytest.raises(ClientError) as error:
        personalize.list_dataset_groups(nextToken="not-a-token")
    assert error.value.response["Error"]["Code"] == "InvalidNextTokenException"


def test_unknown_arn(personalize: Any) -> None:
    with pytest.raises(ClientError) as error:
        personalize.describe_dataset_group(
            datasetGroupArn="arn:aws:personalize:us-east-1:000000000000:dataset-group/nope"
        )
    assert error.value.response["Error"]["Code"] == "ResourceNotFoundException"


@pytest.mark.slow
def test_state_survives_restart(tmp_path: Any) -> None:
    import boto3

    with LocalService(tmp_path) as first:
        client = boto3.client("personalize", endpoint_url=first.env["AWS_ENDPOINT_URL_PERSONALIZE"])
        arn = client.create_dataset_group(name="kept")["datasetGroupArn"]
        wait_status(lambda: client.describe_dataset_group(datasetGroupArn=arn),
                    "datasetGroup", "ACTIVE")  # fmt: skip
    with LocalService(tmp_path) as second:
        client = boto3.client(
            "personalize", endpoint_url=second.env["AWS_ENDPOINT_URL_PERSONALIZE"]
        )
        group = client.describe_dataset_group(datasetGroupArn=arn)["datasetGroup"]
        assert group["status"] == "ACTIVE"
