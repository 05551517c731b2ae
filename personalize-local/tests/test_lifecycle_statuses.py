"""The statuses a dataset update and a data deletion job pass through, seen at scaled latency.

Sources: docs/aws-facts.md#statuses (a dataset reads UPDATE PENDING, UPDATE IN_PROGRESS while its
``latestDatasetUpdate`` runs) and botocore's model (a data deletion job goes PENDING >
IN_PROGRESS > COMPLETED). At ``--latency 0.01`` an update takes 0.3 s and a deletion 36 s, long
enough to watch; a private service, so the shared one stays instant.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

import boto3
import pytest

from personalize_local.process import LocalService
from personalize_local.testing.helpers import (
    ITEMS_SCHEMA,
    active_dataset,
    active_group,
    error_of,
    grant_bucket,
    put_csv,
)


def seen(describe: Callable[[], dict[str, Any]], until: str, timeout: float = 30.0) -> list[str]:
    """The distinct statuses a resource shows, in order, until ``until`` (polled quickly)."""
    statuses: list[str] = []
    deadline = time.monotonic() + timeout
    while not statuses or statuses[-1] != until:
        status = describe()["status"]
        if not statuses or statuses[-1] != status:
            statuses.append(status)
        assert time.monotonic() < deadline, statuses
        time.sleep(0.005)
    return statuses


@pytest.mark.slow
def test_update_and_deletion_statuses(
    tmp_path: Any, unique: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_DEFAULT_REGION"):
        monkeypatch.delenv(name)  # the service reads its loopback S3 without them
    with LocalService(tmp_path, latency="0.01") as service:
        options = {"region_name": "us-east-1", "aws_access_key_id": "testing",
                   "aws_secret_access_key": "testing"}  # fmt: skip
        personalize = boto3.client(
            "personalize", endpoint_url=service.env["AWS_ENDPOINT_URL_PERSONALIZE"], **options
        )
        s3 = boto3.client("s3", endpoint_url=service.env["AWS_ENDPOINT_URL_S3"], **options)
        group = active_group(personalize, f"g-{unique}")
        items = active_dataset(personalize, group, "Items", ITEMS_SCHEMA, "items")
        fields = json.loads(ITEMS_SCHEMA)["fields"] + [{"name": "X", "type": ["null", "long"]}]
        wider = personalize.create_schema(
            name="wider", schema=json.dumps({"type": "record", "name": "I", "fields": fields})
        )["schemaArn"]
        personalize.update_dataset(datasetArn=items, schemaArn=wider)
        dataset = lambda: personalize.describe_dataset(datasetArn=items)["dataset"]  # noqa: E731
        statuses = seen(dataset, "ACTIVE")  # UPDATE PENDING lasts 15 ms: a poll may miss it
        assert statuses in (["UPDATE PENDING", "UPDATE IN_PROGRESS", "ACTIVE"],
                            ["UPDATE IN_PROGRESS", "ACTIVE"])  # fmt: skip
        assert dataset()["latestDatasetUpdate"]["status"] == "ACTIVE"

        s3.create_bucket(Bucket="data")
        grant_bucket(s3, "data")
        uri = put_csv(s3, "data", "forget.csv", "USER_ID\nu1\n")
        arn = personalize.create_data_deletion_job(
            jobName="forget", datasetGroupArn=group, dataSource={"dataLocation": uri},
            roleArn="arn:aws:iam::000000000000:role/R",
        )["dataDeletionJobArn"]  # fmt: skip
        job = lambda: personalize.describe_data_deletion_job(dataDeletionJobArn=arn)[  # noqa: E731
            "dataDeletionJob"
        ]
        assert seen(job, "IN_PROGRESS") == ["PENDING", "IN_PROGRESS"]

        # At most 5 PENDING jobs per group (the developer guide, "Deleting users").
        for n in range(5):
            personalize.create_data_deletion_job(
                jobName=f"more-{n}", datasetGroupArn=group, dataSource={"dataLocation": uri},
                roleArn="arn:aws:iam::000000000000:role/R",
            )  # fmt: skip
        code, message = error_of(
            personalize.create_data_deletion_job, jobName="sixth", datasetGroupArn=group,
            dataSource={"dataLocation": uri}, roleArn="arn:aws:iam::000000000000:role/R",
        )  # fmt: skip
        assert code == "LimitExceededException" and "5 PENDING" in message
