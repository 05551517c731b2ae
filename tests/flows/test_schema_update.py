"""provision updates a dataset whose schema gained an optional field; other changes stop it.

Through HTTP with the Prefect harness: ``--plan`` shows the update, provision makes it (the
dataset follows its UPDATE statuses to ACTIVE with the new schema), a rerun changes nothing,
and a change AWS does not allow stops the run with the reason and leaves the dataset as it was.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from flows.provision import main, provision
from tasks.errors import DriftError
from tests.pipelines import make_pipeline


def _items_schema(pipeline_path: Path, tmp_path: Path, extra: dict[str, Any], name: str) -> None:
    """Point the pipeline's items dataset at a copy of its schema with one more field."""
    data = yaml.safe_load(pipeline_path.read_text())
    schema = json.loads(Path(data["datasets"]["items"]["schema"]).read_text())
    schema["fields"].append(extra)
    path = tmp_path / name
    path.write_text(json.dumps(schema))
    data["datasets"]["items"]["schema"] = str(path)
    pipeline_path.write_text(yaml.safe_dump(data, sort_keys=False))


def _rows(result: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [row for row in result["plan"] if row["kind"] == kind]


@pytest.mark.slow
def test_provision_updates_an_allowed_schema_change_and_refuses_others(
    prefect_api: None, local_service: Any, s3: Any, personalize: Any, tmp_path: Path, unique: str
) -> None:
    pipeline = make_pipeline(tmp_path, s3, unique)
    created = provision(config_path=pipeline.config_path)
    items = str(created["datasets"]["items"])  # type: ignore[index]
    before = personalize.describe_dataset(datasetArn=items)["dataset"]["schemaArn"]

    _items_schema(pipeline.path, tmp_path, {"name": "COLOR", "type": ["null", "string"]}, "a.avsc")
    plan = main([pipeline.config_path, "--plan"])
    (row,) = [r for r in _rows(plan, "dataset") if r["name"].endswith("-items")]
    assert row["action"] == "update" and "adds COLOR" in row["detail"]
    assert personalize.describe_dataset(datasetArn=items)["dataset"]["schemaArn"] == before

    again = provision(config_path=pipeline.config_path)
    assert again["datasets"] == created["datasets"]
    dataset = personalize.describe_dataset(datasetArn=items)["dataset"]
    assert dataset["status"] == "ACTIVE" and dataset["schemaArn"] != before
    assert dataset["latestDatasetUpdate"]["status"] == "ACTIVE"
    fields = json.loads(personalize.describe_schema(schemaArn=dataset["schemaArn"])["schema"]
                        ["schema"])["fields"]  # fmt: skip
    assert [f["name"] for f in fields] == ["ITEM_ID", "CATEGORY", "COLOR"]
    after = provision(config_path=pipeline.config_path, plan=True)
    assert {r["action"] for r in after["plan"]} == {"exists"}

    _items_schema(pipeline.path, tmp_path, {"name": "STOCK", "type": "int"}, "b.avsc")
    plan = provision(config_path=pipeline.config_path, plan=True)
    (row,) = [r for r in _rows(plan, "dataset") if r["name"].endswith("-items")]
    assert row["action"] == "drift" and "STOCK, which does not allow null" in row["detail"]
    with pytest.raises(DriftError, match="adds the field STOCK, which does not allow null"):
        provision(config_path=pipeline.config_path)
    assert personalize.describe_dataset(datasetArn=items)["dataset"] == dataset
