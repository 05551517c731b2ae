"""The data lifecycle flows end to end: a real Prefect API, the local service over HTTP.

One provisioned pipeline with imported data (real preparation, real import jobs) goes through:
an export (CSV and Parquet), an erasure (data deletion job, suppression list) that a later FULL
import does not undo, records sent from upstream, and bad input that changes nothing.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import yaml
from prefect import flow

from deployments.upstream_records import erase_users, publish_new_items
from flows.export_dataset import export_dataset
from flows.forget_users import forget_users, user_ids_from
from flows.imports import prepare_and_import
from flows.provision import ensure_resources
from flows.update_records import update_records
from tasks.config import load_config
from tasks.prep.suppression import FORGOTTEN_RULE
from tasks.records import RecordError
from tests.artifacts import latest_artifacts
from tests.pipelines import Pipeline, make_pipeline

pytestmark = pytest.mark.slow


@flow
def provision_and_import(config_path: str) -> None:
    """Provision, then prepare and import every dataset FULL."""
    config = load_config(config_path)
    prepare_and_import(config, ensure_resources(config), None, "FULL")


@pytest.fixture(scope="module")
def pipeline(
    prefect_api: None, local_service: Any, tmp_path_factory: pytest.TempPathFactory
) -> Pipeline:
    import boto3

    made = make_pipeline(tmp_path_factory.mktemp("lifecycle"), boto3.client("s3"), "lifecycle")
    provision_and_import(made.config_path)
    return made


def exported_users(pipeline: Pipeline) -> set[str]:
    result = export_dataset(config_path=pipeline.config_path, dataset="interactions")
    return set(pd.read_parquet(result["parquet"])["USER_ID"])


def test_user_ids_come_from_a_list_and_a_file(tmp_path: Path) -> None:
    listed = tmp_path / "ids.csv"
    listed.write_text("USER_ID\nu2\n u3 \n")
    assert user_ids_from(["u1", "u2"], str(listed)) == ["u1", "u2", "u3"]
    (tmp_path / "plain.txt").write_text("a\n\nb\n")
    assert user_ids_from([], str(tmp_path / "plain.txt")) == ["a", "b"]
    with pytest.raises(ValueError, match="no user ids to forget"):
        user_ids_from([], None)
    with pytest.raises(ValueError, match="user id 2 is blank"):
        user_ids_from(["a", " "], None)


def test_export_writes_csv_and_parquet_with_a_summary(pipeline: Pipeline, s3: Any) -> None:
    result = export_dataset(config_path=pipeline.config_path, dataset="interactions")
    raw = pd.read_parquet(pipeline.exports.interactions)
    table = pd.read_parquet(result["parquet"])
    assert list(table.columns) == ["USER_ID", "ITEM_ID", "TIMESTAMP", "EVENT_TYPE"]
    assert table["TIMESTAMP"].dtype == "int64"
    assert result["rows"] == len(table) > 0
    assert result["users"] == table["USER_ID"].nunique() <= raw["user_id"].nunique()
    assert result["first"] <= result["last"]
    bucket, _, prefix = result["csv"].removeprefix("s3://").partition("/")
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket=bucket, Prefix=prefix)["Contents"]]
    assert any(k.endswith(".csv") for k in keys) and any(k.endswith(".parquet") for k in keys)
    assert "export-dg-lifecycle-interactions" in latest_artifacts(
        "export-dg-lifecycle-interactions"
    )

    with pytest.raises(ValueError, match="'users' is not in the configuration"):
        export_dataset(config_path=pipeline.config_path, dataset="users")


def figure(report: Any, label: str) -> int:
    """A figure of a data report artifact's table (``| Rows out | 1,234 |``)."""
    found = re.search(rf"\| {label} \| ([\d,]+) \|", str(report.data))
    assert found, f"no {label!r} in {report.data}"
    return int(found[1].replace(",", ""))


def test_forgotten_users_stay_forgotten(pipeline: Pipeline, personalize: Any, s3: Any) -> None:
    result = export_dataset(config_path=pipeline.config_path, dataset="interactions")
    rows = pd.read_parquet(result["parquet"])
    chosen = sorted(set(rows["USER_ID"]))[:2]
    imported = figure(latest_artifacts("data-report-interactions")["data-report-interactions"],
                      "Rows out")  # fmt: skip
    record = erase_users(user_ids=chosen, ticket="PRIV-1", config_path=pipeline.config_path)
    # Issue 23: records_deleted was 2 (the users) for users with 34 rows. botocore's
    # DataDeletionJob.numDeleted is "the number of records deleted by a COMPLETED job".
    their_rows = int(rows["USER_ID"].isin(chosen).sum())
    assert their_rows > 2
    assert (record["status"], record["users"], record["records_deleted"]) == (
        "COMPLETED", 2, their_rows)  # fmt: skip
    assert record["requested_by"] == "PRIV-1"
    job = personalize.describe_data_deletion_job(dataDeletionJobArn=record["data_deletion_job"])
    assert job["dataDeletionJob"]["status"] == "COMPLETED"
    suppression = record["suppression_files"]
    bucket, _, key = suppression.removeprefix("s3://").partition("/")
    assert s3.get_object(Bucket=bucket, Key=key)["Body"].read().decode().split() == [
        "USER_ID",
        *chosen,
    ]
    assert not set(chosen) & exported_users(pipeline)

    # The next FULL import of the same export does not bring them back.
    provision_and_import(pipeline.config_path)
    assert not set(chosen) & exported_users(pipeline)
    latest = latest_artifacts("data-report-interactions", "forget-users-dg-lifecycle")
    assert FORGOTTEN_RULE in str(latest["data-report-interactions"].data)
    # What the dataset held before this import: the first import's rows, less the deleted ones.
    held = figure(latest["data-report-interactions"], "Rows the dataset held before")
    assert held == imported - their_rows
    assert "forget-users-dg-lifecycle" in latest


def test_bad_erasure_requests_change_nothing(
    pipeline: Pipeline, personalize: Any, tmp_path: Path
) -> None:
    folders = pipeline.config.forgotten_users_uris()
    jobs = personalize.list_data_deletion_jobs()["dataDeletionJobs"]
    with pytest.raises(ValueError, match="no user ids to forget"):
        forget_users(config_path=pipeline.config_path, user_ids=[])
    data = yaml.safe_load(pipeline.path.read_text())
    data["dataset_group"]["name"] = "no-such-group"
    other = tmp_path / "other.yaml"
    other.write_text(yaml.safe_dump(data))
    with pytest.raises(ValueError, match="no-such-group does not exist"):
        forget_users(config_path=str(other), user_ids=["u1"])
    assert personalize.list_data_deletion_jobs()["dataDeletionJobs"] == jobs
    assert pipeline.config.forgotten_users_uris() == folders


def test_records_from_upstream(pipeline: Pipeline, tmp_path: Path, personalize: Any) -> None:
    changes = tmp_path / "changes.parquet"
    pd.DataFrame({"sku": ["fresh-1", "fresh-2"], "category": ["hats", "hats"],
                  "warehouse": ["x", "y"]}).to_parquet(changes)  # fmt: skip
    sent = update_records(config_path=pipeline.config_path, dataset="items",
                          records_uri=str(changes))  # fmt: skip
    assert sent["records"] == 2
    new = publish_new_items(config_path=pipeline.config_path, count=12)
    assert new["records"] == 12
    result = export_dataset(config_path=pipeline.config_path, dataset="items",
                            ingestion_mode="PUT")  # fmt: skip
    put = pd.read_parquet(result["parquet"])
    assert len(put) == 14 and {"fresh-1", "fresh-2"} <= set(put["ITEM_ID"])

    broken = tmp_path / "broken.parquet"
    pd.DataFrame({"sku": ["bad-1", "bad-2"], "category": ["ok", None]}).to_parquet(broken)
    with pytest.raises(RecordError, match="row 2, CATEGORY: is empty"):
        update_records(config_path=pipeline.config_path, dataset="items",
                       records_uri=str(broken))  # fmt: skip
    again = export_dataset(config_path=pipeline.config_path, dataset="items",
                           ingestion_mode="PUT")  # fmt: skip
    assert len(pd.read_parquet(again["parquet"])) == 14  # nothing of the bad batch was sent
    with pytest.raises(ValueError, match="the users dataset of dg-lifecycle does not exist"):
        update_records(config_path=pipeline.config_path, dataset="users",
                       records_uri=str(changes))  # fmt: skip
    with pytest.raises(ValueError, match="columns maps COLOUR, which the schema does not have"):
        update_records(config_path=pipeline.config_path, dataset="items",
                       records_uri=str(changes), columns={"COLOUR": "warehouse"})  # fmt: skip
