"""Dataset imports over HTTP: real CSV reads from the loopback S3, checks, modes, failures."""

from __future__ import annotations

import time
from typing import Any

import boto3
import pytest
from botocore.config import Config

from personalize_local.process import LocalService
from personalize_local.testing.helpers import (
    INTERACTIONS_SCHEMA,
    ITEMS_SCHEMA,
    active_dataset,
    active_group,
    arm_faults,
    error_of,
    grant_bucket,
    interactions_csv,
    items_csv,
    put_csv,
    run_import,
    stored_rows,
    wait_done,
    wait_gone,
    wait_status,
)


@pytest.fixture
def interactions(personalize: Any, unique: str) -> str:
    group = active_group(personalize, f"g-{unique}")
    return active_dataset(personalize, group, "Interactions", INTERACTIONS_SCHEMA, f"i-{unique}")


def test_good_import_then_incremental_append(
    personalize: Any, s3: Any, bucket: str, interactions: str, local_service: LocalService
) -> None:
    first = put_csv(s3, bucket, "first.csv", interactions_csv(n_users=40, per_user=30))
    job = run_import(personalize, interactions, first, f"{bucket}-full")
    assert job["status"] == "ACTIVE", job
    assert job["importMode"] == "FULL"
    assert job["dataSource"]["dataLocation"] == first
    rows = stored_rows(local_service.data_dir, interactions)
    assert len(rows) == 1200
    assert list(rows.columns) == ["USER_ID", "ITEM_ID", "TIMESTAMP", "EVENT_TYPE", "EVENT_VALUE"]
    assert rows["TIMESTAMP"].dtype == "int64"
    assert rows["EVENT_VALUE"].isna().any() and rows["EVENT_VALUE"].notna().any()

    more = put_csv(s3, bucket, "more.csv", interactions_csv(n_users=5, per_user=4, start=100))
    job = run_import(personalize, interactions, more, f"{bucket}-inc", mode="INCREMENTAL")
    assert job["status"] == "ACTIVE", job
    assert len(stored_rows(local_service.data_dir, interactions)) == 1220

    again = run_import(personalize, interactions, first, f"{bucket}-full2", mode="FULL")
    assert again["status"] == "ACTIVE", again
    assert len(stored_rows(local_service.data_dir, interactions)) == 1200

    listed = personalize.list_dataset_import_jobs(datasetArn=interactions)["datasetImportJobs"]
    assert {j["jobName"] for j in listed} == {f"{bucket}-full", f"{bucket}-inc", f"{bucket}-full2"}
    pages = list(personalize.get_paginator("list_dataset_import_jobs").paginate(
        datasetArn=interactions, PaginationConfig={"PageSize": 2}))  # fmt: skip
    assert [len(p["datasetImportJobs"]) for p in pages] == [2, 1]


def test_identical_interactions_are_kept_once(
    personalize: Any, s3: Any, bucket: str, interactions: str, local_service: LocalService
) -> None:
    """Developer guide, "Importing bulk data ... with a dataset import job": "If you record two
    item interaction ... events with exactly the same timestamp and identical properties, Amazon
    Personalize keeps only one of the events" (docs/aws-facts.md#import-modes)."""
    body = interactions_csv(n_users=40, per_user=30)
    first = put_csv(s3, bucket, "first.csv", body)
    assert run_import(personalize, interactions, first, f"{bucket}-full")["status"] == "ACTIVE"
    assert len(stored_rows(local_service.data_dir, interactions)) == 1200
    # The same export sent again as an increment adds nothing.
    again = run_import(personalize, interactions, first, f"{bucket}-again", mode="INCREMENTAL")
    assert again["status"] == "ACTIVE", again
    assert len(stored_rows(local_service.data_dir, interactions)) == 1200
    # A row twice in one file is kept once; the same interaction at another time is another.
    header, row = body.splitlines()[:2]
    user, item, stamp, *rest = row.split(",")
    later = ",".join([user, item, str(int(stamp) + 1), *rest])
    twice = put_csv(s3, bucket, "twice.csv", "\n".join([header, row, row, later]) + "\n")
    job = run_import(personalize, interactions, twice, f"{bucket}-twice", mode="INCREMENTAL")
    assert job["status"] == "ACTIVE", job
    assert len(stored_rows(local_service.data_dir, interactions)) == 1201


def test_bad_value_fails_naming_row_and_column_and_keeps_rows(
    personalize: Any, s3: Any, bucket: str, interactions: str, local_service: LocalService
) -> None:
    good = put_csv(s3, bucket, "good.csv", interactions_csv())
    assert run_import(personalize, interactions, good, f"{bucket}-good")["status"] == "ACTIVE"
    lines = interactions_csv().splitlines()
    lines[17] = "u1,i2,abc,click,"  # the 17th data row
    lines[30] = "u1,i2,1700000000,click,lots"
    bad = put_csv(s3, bucket, "bad.csv", "\n".join(lines))
    job = run_import(personalize, interactions, bad, f"{bucket}-bad")
    assert job["status"] == "CREATE FAILED"
    assert job["failureReason"].startswith("Row 17, column TIMESTAMP: 'abc' is not a long")
    assert "bad.csv, line 18" in job["failureReason"]
    assert "EVENT_VALUE (1)" in job["failureReason"]
    assert len(stored_rows(local_service.data_dir, interactions)) == 1200


@pytest.mark.parametrize(
    ("edit", "says"),
    [
        (lambda t: t.replace("USER_ID,", "USER,", 1), "has the column USER, which is not in"),
        (lambda t: t.replace(",EVENT_TYPE,EVENT_VALUE", ",EVENT_VALUE", 1).replace(
            ",click,", ",").replace(",purchase,", ","), "lacks the column EVENT_TYPE"),
        (lambda t: t.replace("\nu0,", "\n,", 1), "Row 1, column USER_ID is empty"),
        (lambda t: t.replace(",1700000001,", ",1700000001000,", 1), "looks like milliseconds"),
        (lambda t: t + "u1,i1,1700000000,click,0.5,extra\n", "has 6 values but the header has 5"),
        (lambda t: "\n".join(t.splitlines()[:500]), "Too little data to train on"),
    ],
)  # fmt: skip
def test_bad_files_fail_saying_why(
    personalize: Any, s3: Any, bucket: str, interactions: str, edit: Any, says: str
) -> None:
    uri = put_csv(s3, bucket, "data.csv", edit(interactions_csv()))
    job = run_import(personalize, interactions, uri, f"{bucket}-x")
    assert job["status"] == "CREATE FAILED"
    assert says in job["failureReason"]


def test_minimums_show_counts(personalize: Any, s3: Any, bucket: str, interactions: str) -> None:
    uri = put_csv(s3, bucket, "few.csv", interactions_csv(n_users=10, per_user=50))
    reason = run_import(personalize, interactions, uri, f"{bucket}-few")["failureReason"]
    assert "500 interactions (Personalize needs at least 1000)" in reason
    assert "10 users with at least 2 interactions (it needs at least 25)" in reason


def test_missing_bucket_or_key_fails_naming_the_location(
    personalize: Any, bucket: str, interactions: str
) -> None:
    job = run_import(personalize, interactions, f"s3://{bucket}-nope/x.csv", f"{bucket}-nb")
    assert job["status"] == "CREATE FAILED"
    assert (
        f"The bucket {bucket}-nope of the data location s3://{bucket}-nope/x.csv"
        in job["failureReason"]
    )
    job = run_import(personalize, interactions, f"s3://{bucket}/missing.csv", f"{bucket}-nk")
    assert job["failureReason"].startswith(f"No CSV file at s3://{bucket}/missing.csv")


def test_prefix_of_csv_files_is_read_whole(
    personalize: Any, s3: Any, bucket: str, interactions: str, local_service: LocalService
) -> None:
    put_csv(s3, bucket, "parts/a.csv", interactions_csv(n_users=20, per_user=30))
    put_csv(s3, bucket, "parts/b.csv", interactions_csv(n_users=20, per_user=30, start=20))
    put_csv(s3, bucket, "parts/README.txt", "not data")
    job = run_import(personalize, interactions, f"s3://{bucket}/parts/", f"{bucket}-prefix")
    assert job["status"] == "ACTIVE", job
    assert stored_rows(local_service.data_dir, interactions)["USER_ID"].nunique() == 40


def test_items_incremental_replaces_by_id(
    personalize: Any, s3: Any, bucket: str, unique: str, local_service: LocalService
) -> None:
    group = active_group(personalize, f"g-{unique}")
    items = active_dataset(personalize, group, "Items", ITEMS_SCHEMA, f"items-{unique}")
    full = put_csv(s3, bucket, "items.csv", items_csv(10))
    assert run_import(personalize, items, full, f"{bucket}-items")["status"] == "ACTIVE"
    update = put_csv(s3, bucket, "upd.csv", "ITEM_ID,CATEGORY,PRICE\ni3,boots,\ni99,hats,1.5\n")
    job = run_import(personalize, items, update, f"{bucket}-upd", mode="INCREMENTAL")
    assert job["status"] == "ACTIVE", job
    rows = stored_rows(local_service.data_dir, items).set_index("ITEM_ID")
    assert len(rows) == 11
    assert rows.loc["i3", "CATEGORY"] == "boots"
    assert rows.loc["i3", "PRICE"] != rows.loc["i3", "PRICE"]  # NaN: the new row has no price

    personalize.delete_dataset(datasetArn=items)
    wait_gone(lambda: personalize.describe_dataset(datasetArn=items))
    code, _ = error_of(personalize.describe_dataset_import_job, datasetImportJobArn=job[
        "datasetImportJobArn"])  # fmt: skip
    assert code == "ResourceNotFoundException"
    assert stored_rows(local_service.data_dir, items).empty


def test_import_needs_an_existing_dataset(personalize: Any, interactions: str) -> None:
    code, _ = error_of(personalize.create_dataset_import_job, jobName="j",
                       datasetArn=interactions + "-nope", dataSource={"dataLocation": "s3://b/k"},
                       roleArn="arn:aws:iam::000000000000:role/R")  # fmt: skip
    assert code == "ResourceNotFoundException"


def test_fail_next_fails_the_next_import(
    personalize: Any, s3: Any, bucket: str, interactions: str, local_service: LocalService
) -> None:
    arm_faults(local_service, {"fail_next": {"dataset-import-job": "Simulated S3 outage"}})
    uri = put_csv(s3, bucket, "data.csv", interactions_csv())
    job = run_import(personalize, interactions, uri, f"{bucket}-faulty")
    assert job["status"] == "CREATE FAILED"
    assert job["failureReason"] == "Simulated S3 outage"
    assert run_import(personalize, interactions, uri, f"{bucket}-fine")["status"] == "ACTIVE"


def test_hold_next_keeps_the_next_import_in_flight_until_released(
    personalize: Any, s3: Any, bucket: str, interactions: str, local_service: LocalService
) -> None:
    arm_faults(local_service, {"hold_next": {"dataset-import-job": 60}})
    uri = put_csv(s3, bucket, "held.csv", interactions_csv())
    arn = personalize.create_dataset_import_job(
        jobName=f"{bucket}-held", datasetArn=interactions, dataSource={"dataLocation": uri},
        roleArn="arn:aws:iam::000000000000:role/R",
    )["datasetImportJobArn"]  # fmt: skip

    def describe() -> dict[str, Any]:
        return dict(personalize.describe_dataset_import_job(datasetImportJobArn=arn))

    held = wait_status(describe, "datasetImportJob", "CREATE IN_PROGRESS")
    time.sleep(1.0)  # an import at --latency instant is done in well under a second
    assert describe()["datasetImportJob"]["status"] == "CREATE IN_PROGRESS", held
    arm_faults(local_service, {"release": True})
    assert wait_done(describe, "datasetImportJob")["status"] == "ACTIVE"


def test_throttling_answers_throttling_exception(local_service: LocalService) -> None:
    client = boto3.client("personalize", config=Config(retries={"total_max_attempts": 1}))
    arm_faults(local_service, {"throttle": 1.0})
    try:
        code, _ = error_of(client.list_schemas)
    finally:
        arm_faults(local_service, {"clear": True})
    assert code == "ThrottlingException"
    assert client.list_schemas()["ResponseMetadata"]["HTTPStatusCode"] == 200


def client(service_name: str, endpoint: str) -> Any:
    """A client with its own credentials, for a service started without any in its env."""
    return boto3.client(service_name, endpoint_url=endpoint, region_name="us-east-1",
                        aws_access_key_id="testing", aws_secret_access_key="testing")  # fmt: skip


@pytest.mark.slow
def test_imported_rows_survive_a_restart_and_imports_do_not_overlap(
    tmp_path: Any, unique: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_DEFAULT_REGION"):
        monkeypatch.delenv(name)  # the service reads its loopback S3 without them
    with LocalService(tmp_path, latency="0.001") as first:
        personalize = client("personalize", first.env["AWS_ENDPOINT_URL_PERSONALIZE"])
        s3 = client("s3", first.env["AWS_ENDPOINT_URL_S3"])
        s3.create_bucket(Bucket="data")
        grant_bucket(s3, "data")
        group = active_group(personalize, f"g-{unique}")
        dataset = active_dataset(personalize, group, "Interactions", INTERACTIONS_SCHEMA, "i")
        uri = put_csv(s3, "data", "i.csv", interactions_csv())
        arn = personalize.create_dataset_import_job(
            jobName="first", datasetArn=dataset, dataSource={"dataLocation": uri},
            roleArn="arn:aws:iam::000000000000:role/R",
        )["datasetImportJobArn"]  # fmt: skip
        code, message = error_of(personalize.create_dataset_import_job, jobName="second",
                                 datasetArn=dataset, dataSource={"dataLocation": uri},
                                 roleArn="arn:aws:iam::000000000000:role/R")  # fmt: skip
        assert code == "ResourceInUseException"
        assert arn in message
        job = wait_done(lambda: personalize.describe_dataset_import_job(datasetImportJobArn=arn),
                        "datasetImportJob")  # fmt: skip
        assert job["status"] == "ACTIVE", job
    assert len(stored_rows(tmp_path, dataset)) == 1200
    with LocalService(tmp_path, s3_endpoint=first.env["AWS_ENDPOINT_URL_S3"]) as second:
        personalize = client("personalize", second.env["AWS_ENDPOINT_URL_PERSONALIZE"])
        job = personalize.describe_dataset_import_job(datasetImportJobArn=arn)["datasetImportJob"]
        assert job["status"] == "ACTIVE"
        assert len(stored_rows(tmp_path, dataset)) == 1200
