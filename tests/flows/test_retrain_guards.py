"""retrain's guards: too little data stops before import; a person approves a promotion."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest
from prefect.flow_runs import resume_flow_run

from flows.retrain import retrain
from flows.run_state import run_result
from local.sample_data import SampleSize
from tests.artifacts import latest_artifacts
from tests.flows.paused_runs import paused_run
from tests.pipelines import make_pipeline


@pytest.mark.slow
def test_too_little_data_stops_before_import(
    prefect_api: None, local_service: Any, s3: Any, personalize: Any, tmp_path: Path, unique: str
) -> None:
    tiny = SampleSize(users=20, items=40, interactions_per_day=10, days=5, new_days=1)
    pipeline = make_pipeline(tmp_path, s3, unique, tiny)
    state = retrain(config_path=pipeline.config_path, return_state=True)
    assert state.is_failed()
    assert "BelowMinimumsError" in state.message
    group = next(
        g for g in personalize.list_dataset_groups()["datasetGroups"] if g["name"] == f"dg-{unique}"
    )
    datasets = personalize.list_datasets(datasetGroupArn=group["datasetGroupArn"])["datasets"]
    for dataset in datasets:
        jobs = personalize.list_dataset_import_jobs(datasetArn=dataset["datasetArn"])
        assert jobs["datasetImportJobs"] == []


def retrain_answered(config_path: str, answer: dict[str, Any]) -> Any:
    """Run retrain with approval required, answer its pause with ``answer``; its final state."""
    result: dict[str, Any] = {}

    def run() -> None:
        result["state"] = retrain(
            config_path=config_path, require_approval=True, batch=False, return_state=True
        )

    thread = threading.Thread(target=run)
    thread.start()
    resume_flow_run(paused_run(thread, timeout=120).id, run_input=answer)
    thread.join(120)
    return result["state"]


@pytest.mark.slow
@pytest.mark.timeout(300)
@pytest.mark.parametrize("approve", [False, True])
def test_promotion_waits_for_a_person(
    approve: bool,
    prefect_api: None,
    local_service: Any,
    s3: Any,
    personalize: Any,
    tmp_path: Path,
    unique: str,
) -> None:
    pipeline = make_pipeline(tmp_path, s3, unique, SampleSize())
    state = retrain_answered(
        pipeline.config_path, {"approve": approve, "reviewer": "qa", "comment": "checked"}
    )
    campaign = next(s.campaign for s in pipeline.config.solutions if s.campaign)
    names = {c["name"] for c in personalize.list_campaigns()["campaigns"]}
    if approve:
        assert state.is_completed(), state.message
        assert campaign.name in names
    else:
        assert state.is_failed()
        assert "was not approved" in state.message
        assert campaign.name not in names
        gated = next(s.name for s in pipeline.config.solutions if s.campaign)
        mine = next(s for s in run_result(state)["solutions"] if s["solution"] == gated)
        assert mine["outcome"] == "not approved"
        assert mine["approval"] == {"approve": False, "reviewer": "qa", "comment": "checked"}
        latest = latest_artifacts(f"lineage-dg-{unique}")
        assert "approval: **refused** by qa: checked" in str(latest[f"lineage-dg-{unique}"].data)
