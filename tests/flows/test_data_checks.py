"""Issue 22, item 1, through the real path: a faulty export stops ``retrain`` before any import.

A first run trains and promotes on the first export; the second run reads the whole history
with a quarter of the new days' users folded into one id (a tracking bug). The data checks
compare it with what the serving version trained on, stop the run before the import, say which
figure and which setting, and publish the table; the dataset's import jobs are the first
run's only.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import yaml

from flows.retrain import retrain
from local.sample_data import DEFAULT_START, TEST_SIZE, history, to_export
from tests.artifacts import latest_artifacts, misread_cells
from tests.pipelines import make_pipeline


def interaction_imports(
    personalize: Any, group_name: str, dataset_type: str = "INTERACTIONS"
) -> list[dict[str, Any]]:
    """The import jobs of one of the dataset group's datasets."""
    group = next(
        g for g in personalize.list_dataset_groups()["datasetGroups"] if g["name"] == group_name
    )
    datasets = personalize.list_datasets(datasetGroupArn=group["datasetGroupArn"])["datasets"]
    dataset = next(d for d in datasets if d["datasetType"].upper() == dataset_type)
    return list(
        personalize.list_dataset_import_jobs(datasetArn=dataset["datasetArn"])["datasetImportJobs"]
    )


@pytest.mark.timeout(300)
def test_a_folded_users_export_stops_before_import(
    prefect_api: None, local_service: Any, s3: Any, personalize: Any, tmp_path: Path, unique: str
) -> None:
    pipeline = make_pipeline(tmp_path, s3, unique)
    first = retrain(config_path=pipeline.config_path, batch=False, return_state=True)
    assert first.is_completed(), first.message
    imported = interaction_imports(personalize, f"dg-{unique}")
    rows = history(TEST_SIZE)
    late = rows["TIMESTAMP"] >= DEFAULT_START + TEST_SIZE.days * 86_400
    folded = rows["USER_ID"].isin(sorted(rows["USER_ID"].unique())[::4])
    rows.loc[late & folded, "USER_ID"] = "u-folded"
    faulty = pipeline.exports.all_interactions.replace("all-", "folded-")
    to_export(rows).to_parquet(faulty, index=False)

    second = retrain(
        config_path=pipeline.config_path, interactions_uri=faulty, batch=False, return_state=True
    )

    assert second.is_failed()
    assert "DataDriftError" in second.message or "does not look like" in second.message
    assert "datasets.interactions.checks.max_busiest_share_change" in second.message
    assert interaction_imports(personalize, f"dg-{unique}") == imported
    artifact = latest_artifacts("data-checks-interactions")["data-checks-interactions"]
    table = json.loads(str(artifact.data))
    stopped = [row for row in table if row["verdict"] == "stop"]
    assert [row["figure"] for row in stopped] == ["new days: rows of the busiest 1% of users"]
    assert {"figure", "verdict", "accepted", "new", "change", "limit"} == set(stopped[0])
    assert misread_cells(table) == []


@pytest.mark.timeout(300)
def test_a_catalogue_export_that_lost_half_its_items_stops_before_any_import(
    prefect_api: None, local_service: Any, s3: Any, personalize: Any, tmp_path: Path, unique: str
) -> None:
    pipeline = make_pipeline(tmp_path, s3, unique)
    first = retrain(config_path=pipeline.config_path, batch=False, return_state=True)
    assert first.is_completed(), first.message
    group = f"dg-{unique}"
    before = {t: interaction_imports(personalize, group, t) for t in ("INTERACTIONS", "ITEMS")}
    halved = pipeline.exports.items.replace("items.", "halved-items.")
    pd.read_parquet(pipeline.exports.items).iloc[::2].to_parquet(halved, index=False)
    data = yaml.safe_load(pipeline.path.read_text())
    data["datasets"]["items"]["source"]["uri"] = halved
    pipeline.path.write_text(yaml.safe_dump(data, sort_keys=False))

    second = retrain(
        config_path=pipeline.config_path,
        interactions_uri=pipeline.exports.all_interactions,
        batch=False,
        return_state=True,
    )

    assert second.is_failed()
    assert "datasets.items.checks.max_missing_records_share" in second.message
    # Nothing was imported: not the catalogue, nor the interactions prepared before it.
    after = {t: interaction_imports(personalize, group, t) for t in ("INTERACTIONS", "ITEMS")}
    assert after == before
    table = json.loads(str(latest_artifacts("data-checks-items")["data-checks-items"].data))
    stopped = [row for row in table if row["verdict"] == "stop"]
    assert [(row["figure"], row["new"]) for row in stopped] == [
        ("accepted items missing from the export", "50.0%")
    ]
