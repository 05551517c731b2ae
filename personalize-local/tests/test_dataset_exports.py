"""Dataset export jobs over HTTP: BULK, PUT and ALL, the CSV written, and what is refused.

Sources: botocore's model (CreateDatasetExportJob: ingestionMode BULK | PUT | ALL, PUT by
default; statuses CREATE PENDING > CREATE IN_PROGRESS > ACTIVE or CREATE FAILED) and the
developer guide, "Exporting a dataset" (CSV with a header of the schema's fields; ALL keeps the
newest item or user of an id; Actions datasets cannot be exported).
"""

from __future__ import annotations

import json
from typing import Any

import boto3

from personalize_local.testing.helpers import (
    ITEMS_SCHEMA,
    active_dataset,
    active_group,
    error_of,
    exported_rows,
    items_csv,
    put_csv,
    run_export,
    run_import,
)


def test_export_modes(personalize: Any, s3: Any, bucket: str, unique: str) -> None:
    group = active_group(personalize, f"g-{unique}")
    items = active_dataset(personalize, group, "Items", ITEMS_SCHEMA, f"items-{unique}")
    uri = put_csv(s3, bucket, "items.csv", items_csv(4))
    assert run_import(personalize, items, uri, f"imp-{unique}")["status"] == "ACTIVE"
    boto3.client("personalize-events").put_items(datasetArn=items, items=[
        {"itemId": "i0", "properties": json.dumps({"category": "boots"})},
        {"itemId": "z", "properties": json.dumps({"category": "hats", "price": 2})},
    ])  # fmt: skip
    path = f"s3://{bucket}/exports/"
    job = run_export(personalize, items, f"bulk-{unique}", path, ingestionMode="BULK")
    assert (job["status"], job["ingestionMode"]) == ("ACTIVE", "BULK"), job
    bulk = exported_rows(s3, bucket, f"exports/bulk-{unique}/")
    assert list(bulk.columns) == ["ITEM_ID", "CATEGORY", "PRICE"]
    assert sorted(bulk["ITEM_ID"]) == ["i0", "i1", "i2", "i3"]

    job = run_export(personalize, items, f"put-{unique}", path)
    assert job["ingestionMode"] == "PUT"  # the documented default
    assert sorted(exported_rows(s3, bucket, f"exports/put-{unique}/")["ITEM_ID"]) == ["i0", "z"]

    run_export(personalize, items, f"all-{unique}", path, ingestionMode="ALL")
    both = exported_rows(s3, bucket, f"exports/all-{unique}/").set_index("ITEM_ID")
    assert sorted(both.index) == ["i0", "i1", "i2", "i3", "z"]
    assert both.loc["i0", "CATEGORY"] == "boots"  # the newest row of an id

    listed = personalize.list_dataset_export_jobs(datasetArn=items)["datasetExportJobs"]
    assert [j["jobName"] for j in listed] == [f"all-{unique}", f"put-{unique}", f"bulk-{unique}"]
    code, _ = error_of(run_export, personalize, items, f"all-{unique}", path)
    assert code == "ResourceAlreadyExistsException"


def test_export_refusals_and_failures(personalize: Any, unique: str) -> None:
    group = active_group(personalize, f"g-{unique}")
    items = active_dataset(personalize, group, "Items", ITEMS_SCHEMA, f"items-{unique}")
    code, _ = error_of(run_export, personalize, items + "x", f"e-{unique}", "s3://b/x/")
    assert code == "ResourceNotFoundException"
    code, message = error_of(run_export, personalize, items, f"e-{unique}", "https://h/x/")
    assert code == "InvalidInputException" and "s3://" in message
    job = run_export(personalize, items, f"nobucket-{unique}", f"s3://no-such-{unique}/x/")
    assert job["status"] == "CREATE FAILED" and f"no-such-{unique}" in job["failureReason"]
