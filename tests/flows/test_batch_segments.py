"""batch_segments end to end: retrain trains the segmentation solutions (and refreshes the
segments of one with ``after_retrain``), the flow writes Parquet segments and a summary artifact
(local service, loopback S3, a real Prefect API)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import yaml

from flows.batch_segments import batch_segments
from flows.retrain import retrain
from tasks.costs import saved_records
from tests.pipelines import make_pipeline


@pytest.mark.slow
def test_segments_for_items_and_attributes(
    prefect_api: None, local_service: Any, s3: Any, tmp_path: Path, unique: str
) -> None:
    pipeline = make_pipeline(tmp_path, s3, unique)
    data = yaml.safe_load(pipeline.path.read_text())
    by_item, by_category = f"affinity-{unique}", f"category-affinity-{unique}"
    data["solutions"] = [
        {
            "name": by_item,
            "recipe": "aws-item-affinity",
            "batch_segments": {"num_results": 10, "after_retrain": True},
        },
        {
            "name": by_category,
            "recipe": "aws-item-attribute-affinity",
            "batch_segments": {"attributes": ['ITEMS.CATEGORY = "cat-01"', 'ITEMS.CATEGORY = "x"']},
        },
    ]
    data["filters"] = []
    pipeline.path.write_text(yaml.safe_dump(data, sort_keys=False))

    with pytest.raises(ValueError, match="no trained version"):
        batch_segments(config_path=pipeline.config_path)
    trained = retrain(config_path=pipeline.config_path, return_state=True)
    assert trained.is_completed(), trained.message
    outcomes = {o["solution"]: o for o in trained.result()["solutions"]}
    after = outcomes[by_item]["batch"]  # after_retrain: segments of the version just trained
    assert outcomes[by_category]["batch"] is None
    assert after["solution_version"] == outcomes[by_item]["solution_version"]
    assert after["segments"] == 10 and after["users_per_segment"] == 10
    assert pd.read_parquet(after["parquet"])["query"].nunique() == 10

    result = batch_segments(config_path=pipeline.config_path)
    assert result["segments"] == 10 and result["empty_segments"] == 0
    assert result["users_per_segment"] == 10
    table = pd.read_parquet(result["parquet"])
    assert list(table.columns) == ["query", "rank", "user", "error"]
    assert table.groupby("query")["rank"].max().eq(10).all()
    # The flow keeps a cost record of its own: the job's queries.
    kept = saved_records(pipeline.config.bucket, pipeline.config.dataset_group.name)
    billed = [line for r in kept for line in r["lines"] if line["subject"] == result["job"]]
    assert [(line["item"], line["quantity"], line["unit"]) for line in billed] == [
        ("batch segments", 0.01, "1,000 queries")
    ]

    chosen = batch_segments(config_path=pipeline.config_path, solution=by_item, items=["i1", "zz"])
    assert chosen["segments"] == 2 and chosen["empty_segments"] == 1 and chosen["errors"] == 1

    attributes = batch_segments(config_path=pipeline.config_path, solution=by_category)
    assert attributes["segments"] == 2 and attributes["empty_segments"] == 1
    assert attributes["users_per_segment"] == 25
