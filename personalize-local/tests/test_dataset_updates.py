"""UpdateDataset over HTTP: allowed replacements, forbidden ones, statuses and the data after.

Sources: botocore's model (UpdateDataset, DatasetUpdateSummary, errors), docs/aws-facts.md#statuses (the
dataset's status reads UPDATE PENDING, UPDATE IN_PROGRESS while ``latestDatasetUpdate`` runs),
and the developer guide, "Replacing a dataset's schema" (only Items and Users datasets; every
field kept with its type and attributes; new fields allow null).
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from personalize_local.process import LocalService
from personalize_local.testing.helpers import (
    INTERACTIONS_SCHEMA,
    ITEMS_SCHEMA,
    active_dataset,
    active_group,
    error_of,
    items_csv,
    put_csv,
    run_import,
    stored_rows,
    wait_status,
)


def _schema(personalize: Any, name: str, extra: list[dict[str, Any]], drop: str = "") -> str:
    fields = [f for f in json.loads(ITEMS_SCHEMA)["fields"] if f["name"] != drop]
    text = json.dumps({"type": "record", "name": "Items", "fields": fields + extra})
    return str(personalize.create_schema(name=name, schema=text)["schemaArn"])


@pytest.fixture
def items(personalize: Any, unique: str) -> str:
    group = active_group(personalize, f"g-{unique}")
    return active_dataset(personalize, group, "Items", ITEMS_SCHEMA, f"items-{unique}")


def test_adding_an_optional_field_goes_through_update_statuses(
    personalize: Any, s3: Any, bucket: str, items: str, unique: str, local_service: LocalService
) -> None:
    assert run_import(personalize, items, put_csv(s3, bucket, "i.csv", items_csv(10)),
                      f"imp-{unique}")["status"] == "ACTIVE"  # fmt: skip
    old = personalize.describe_dataset(datasetArn=items)["dataset"]["schemaArn"]
    new = _schema(personalize, f"wider-{unique}", [{"name": "COLOR", "type": ["null", "string"]}])
    assert personalize.update_dataset(datasetArn=items, schemaArn=new)["datasetArn"] == items
    seen = {personalize.describe_dataset(datasetArn=items)["dataset"]["status"]}
    dataset = wait_status(lambda: personalize.describe_dataset(datasetArn=items), "dataset",
                          "ACTIVE")  # fmt: skip
    assert seen <= {"UPDATE PENDING", "UPDATE IN_PROGRESS", "ACTIVE"}
    assert dataset["schemaArn"] == new != old
    update = dataset["latestDatasetUpdate"]
    assert (update["schemaArn"], update["status"]) == (new, "ACTIVE")
    assert update["creationDateTime"] <= update["lastUpdatedDateTime"]
    rows = stored_rows(local_service.data_dir, items)
    assert len(rows) == 10 and "COLOR" not in rows  # earlier rows keep their values

    wider = "ITEM_ID,CATEGORY,PRICE,COLOR\ni1,shoes,1.5,red\n"
    assert run_import(personalize, items, put_csv(s3, bucket, "w.csv", wider), f"w-{unique}",
                      mode="INCREMENTAL")["status"] == "ACTIVE"  # fmt: skip
    rows = stored_rows(local_service.data_dir, items).set_index("ITEM_ID")
    assert rows.loc["i1", "COLOR"] == "red" and rows["COLOR"].isna().sum() == 9


@pytest.mark.parametrize(
    ("extra", "drop", "says"),
    [
        ([], "PRICE", "drops the field PRICE"),
        ([{"name": "PRICE", "type": ["null", "string"]}], "PRICE", "changes the field PRICE"),
        ([{"name": "CATEGORY", "type": "string"}], "CATEGORY", "changes the field CATEGORY"),
        ([{"name": "STOCK", "type": "int"}], "", "The new field STOCK must allow null"),
    ],
)
def test_forbidden_replacements_are_refused_and_change_nothing(
    personalize: Any, items: str, unique: str, extra: list[dict[str, Any]], drop: str, says: str
) -> None:
    before = personalize.describe_dataset(datasetArn=items)["dataset"]
    bad = _schema(personalize, f"bad-{unique}", extra, drop=drop)
    code, message = error_of(personalize.update_dataset, datasetArn=items, schemaArn=bad)
    assert code == "InvalidInputException"
    assert says in message
    after = personalize.describe_dataset(datasetArn=items)["dataset"]
    assert (after["status"], after["schemaArn"]) == ("ACTIVE", before["schemaArn"])
    assert "latestDatasetUpdate" not in after


def test_interactions_schema_cannot_be_replaced(personalize: Any, unique: str) -> None:
    group = active_group(personalize, f"g-{unique}")
    dataset = active_dataset(personalize, group, "Interactions", INTERACTIONS_SCHEMA, f"i-{unique}")
    schema = personalize.describe_dataset(datasetArn=dataset)["dataset"]["schemaArn"]
    code, message = error_of(personalize.update_dataset, datasetArn=dataset, schemaArn=schema)
    assert code == "InvalidInputException"
    assert "only Items and Users" in message


def test_unknown_dataset_or_schema(personalize: Any, items: str, unique: str) -> None:
    schema = personalize.describe_dataset(datasetArn=items)["dataset"]["schemaArn"]
    code, _ = error_of(personalize.update_dataset, datasetArn=items + "-nope", schemaArn=schema)
    assert code == "ResourceNotFoundException"
    code, _ = error_of(personalize.update_dataset, datasetArn=items, schemaArn=schema + "-nope")
    assert code == "ResourceNotFoundException"
