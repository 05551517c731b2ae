"""teardown's plan and confirmation (issue 23): without ``confirm`` it only shows what it would
delete, in order; a ``confirm`` naming another group stops it before any AWS call."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from flows.provision import provision
from flows.teardown import teardown
from tasks.config import ConfigError
from tests.artifacts import latest_artifacts, misread_cells
from tests.pipelines import make_pipeline


def test_teardown_plans_unless_confirmed_with_the_group_name(
    prefect_api: None, local_service: Any, s3: Any, personalize: Any, tmp_path: Path, unique: str
) -> None:
    pipeline = make_pipeline(tmp_path, s3, unique)
    created = provision(config_path=pipeline.config_path)
    name = pipeline.config.dataset_group.name

    assert teardown(config_path=pipeline.config_path) == []
    groups = {g["name"] for g in personalize.list_dataset_groups()["datasetGroups"]}
    assert name in groups, "the plan deleted nothing"
    key = f"teardown-{name}"
    plan = json.loads(str(latest_artifacts(key)[key].data))
    kinds = [row["kind"] for row in plan]
    assert kinds.index("solution") < kinds.index("filter") < kinds.index("event-tracker")
    assert kinds.index("event-tracker") < kinds.index("dataset") < kinds.index("dataset-group")
    assert plan[kinds.index("dataset-group")]["arn"] == created["dataset_group"]
    assert [row["order"] for row in plan] == [str(n) for n in range(1, len(plan) + 1)]
    assert misread_cells(plan) == [], "the UI renders a text cell as Markdown"

    with pytest.raises(ConfigError, match="confirm: 'dg-x' is not the dataset group's name"):
        teardown(config_path=pipeline.config_path, confirm="dg-x")
    deleted = teardown(config_path=pipeline.config_path, confirm=name)
    assert deleted == [row["arn"] for row in plan]
    groups = {g["name"] for g in personalize.list_dataset_groups()["datasetGroups"]}
    assert name not in groups
