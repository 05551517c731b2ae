"""The local stack is one AWS account: STS, IAM and Personalize ARNs agree, as on AWS.

On AWS, STS GetCallerIdentity answers the account that owns the caller's resources, and every
ARN carries it (``arn:aws:personalize:REGION:ACCOUNT:dataset-group/NAME``, ``arn:aws:iam::
ACCOUNT:role/NAME``; docs/aws-facts.md#arns-and-the-account). Clients build ARNs from it:
an AWS solution's Lambda handlers describe ``arn:...:{GetCallerIdentity's Account}:...``
before creating anything.
"""

from __future__ import annotations

import json
from argparse import ArgumentTypeError
from pathlib import Path
from typing import Any

import boto3
import pytest

from personalize_facts.iam import trust_policy
from personalize_local.cli import parse_account_id
from personalize_local.process import LocalService


def client_of(service: LocalService, name: str) -> Any:
    """A boto3 client of ``service``'s stack by service name ("sts", "iam", "personalize")."""
    variable = "AWS_ENDPOINT_URL_" + name.upper().replace("-", "_")
    return boto3.client(name, endpoint_url=service.env[variable])


def test_a_client_finds_its_dataset_group_by_the_arn_it_builds_from_sts(
    local_service: LocalService, unique: str
) -> None:
    account = client_of(local_service, "sts").get_caller_identity()["Account"]
    personalize = client_of(local_service, "personalize")
    created = personalize.create_dataset_group(name=f"sts-{unique}")["datasetGroupArn"]
    region = personalize.meta.region_name
    built = f"arn:aws:personalize:{region}:{account}:dataset-group/sts-{unique}"
    assert built == created
    assert personalize.describe_dataset_group(datasetGroupArn=built)["datasetGroup"]["name"] == (
        f"sts-{unique}"
    )
    assert account == "000000000000"  # the default: as the local service's ARNs always were


@pytest.mark.slow
def test_account_id_sets_the_account_of_every_part(tmp_path: Path) -> None:
    account = "111122223333"
    with LocalService(tmp_path, extra_args=("--account-id", account)) as service:
        assert f"Account {account}" in service.output()
        assert service.env["AWS_ACCOUNT_ID"] == account  # the SDKs' variable, printed too
        assert client_of(service, "sts").get_caller_identity()["Account"] == account
        personalize = client_of(service, "personalize")
        arn = personalize.create_dataset_group(name="accounted")["datasetGroupArn"]
        assert arn == f"arn:aws:personalize:us-east-1:{account}:dataset-group/accounted"
        trust = json.dumps(trust_policy(account, "us-east-1"))
        role = client_of(service, "iam").create_role(
            RoleName="PersonalizeS3Access", AssumeRolePolicyDocument=trust
        )["Role"]
        assert role["Arn"] == f"arn:aws:iam::{account}:role/PersonalizeS3Access"


@pytest.mark.parametrize("account", ["12345678901", "1234567890123", "abcdefghijkl"])
def test_an_account_id_that_is_not_twelve_digits_is_refused(account: str) -> None:
    with pytest.raises(ArgumentTypeError, match="account id must be twelve digits"):
        parse_account_id(account)
