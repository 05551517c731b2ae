"""What a retrain leaves in the dataset, through the local service over HTTP and a real Prefect
API: a stopped run leaves the accepted data (an export equals it row for row), an unchanged
run says so and gates nothing, and incremental runs with a holdout lose no row."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import yaml

from flows.export_dataset import export_dataset
from flows.retrain import NOTHING_NEW, retrain
from flows.run_state import run_result
from local.sample_data import DEFAULT_START, generate_interactions, to_export
from personalize_local.testing.helpers import arm_faults
from tasks.accepted import read_manifest
from tasks.costs import saved_records
from tasks.prep.import_folder import import_parts, read_import
from tests.artifacts import latest_artifacts
from tests.pipelines import Pipeline, make_pipeline

pytestmark = pytest.mark.slow

COLUMNS = ["USER_ID", "ITEM_ID", "TIMESTAMP", "EVENT_TYPE"]
DAY = 86_400
# Any version passes (the gate is not what these tests are about), with a holdout of 2 days.
HOLDOUT_GATE = {
    "min": {"coverage": 0.0},
    "holdout": {"days": 2, "max_users": 5000, "max_drop": 0.99},
}

STOPPING_GATE = {"min": {"coverage": 1.01}}
"""A gate no version passes (coverage is a share of the catalogue)."""


def sorted_rows(frame: pd.DataFrame) -> pd.DataFrame:
    """The rows in one order, typed alike, to compare two tables row for row."""
    frame = frame[COLUMNS].astype({"USER_ID": str, "ITEM_ID": str, "TIMESTAMP": "int64"})
    return frame.sort_values(COLUMNS).reset_index(drop=True)


def exported(pipeline: Pipeline) -> pd.DataFrame:
    """The interactions the dataset holds in bulk, from a dataset export job."""
    result = export_dataset(
        config_path=pipeline.config_path, dataset="interactions", ingestion_mode="BULK"
    )
    return sorted_rows(pd.read_parquet(result["parquet"]))


def accepted(pipeline: Pipeline) -> pd.DataFrame:
    """Every row of the files the manifest of accepted interactions lists."""
    manifest = read_manifest(pipeline.config, "interactions")
    assert manifest is not None
    return sorted_rows(pd.concat([read_import(uri, COLUMNS) for uri in manifest.uris]))


def set_gate(pipeline: Pipeline, gate: dict[str, Any]) -> None:
    """Replace the gated solution's gate in the pipeline's configuration file."""
    data = yaml.safe_load(pipeline.path.read_text())
    for solution in data["solutions"]:
        if solution.get("gate"):
            solution["gate"] = gate
    pipeline.path.write_text(yaml.safe_dump(data, sort_keys=False))


def without_data_checks(pipeline: Pipeline) -> None:
    """Turn the interactions' data checks off in the pipeline's configuration file."""
    data = yaml.safe_load(pipeline.path.read_text())
    data["datasets"]["interactions"]["checks"] = {"enabled": False}
    pipeline.path.write_text(yaml.safe_dump(data, sort_keys=False))


def stopped_run(pipeline: Pipeline) -> Any:
    """A retrain on every day of the sample data that the gate stops; its final state."""
    set_gate(pipeline, STOPPING_GATE)
    return retrain(
        config_path=pipeline.config_path,
        interactions_uri=pipeline.exports.all_interactions,
        batch=False,
        return_state=True,
    )


def gated(pipeline: Pipeline, state: Any) -> dict[str, Any]:
    name = next(s.name for s in pipeline.config.solutions if s.campaign)
    return next(s for s in run_result(state)["solutions"] if s["solution"] == name)


def lineage_text(pipeline: Pipeline) -> str:
    key = f"lineage-{pipeline.config.dataset_group.name}"
    return str(latest_artifacts(key)[key].data)


def batch_jobs(personalize: Any) -> int:
    return len(personalize.list_batch_inference_jobs(maxResults=100)["batchInferenceJobs"])


def test_unchanged_run_says_so_a_stopped_or_failed_run_restores_the_accepted_data(
    prefect_api: None, local_service: Any, s3: Any, personalize: Any, tmp_path: Path, unique: str
) -> None:
    pipeline = make_pipeline(tmp_path, s3, unique, gate=HOLDOUT_GATE)
    first = retrain(config_path=pipeline.config_path, batch=False, return_state=True)
    assert first.is_completed(), first.message
    after = {a["dataset_type"]: a["action"] for a in run_result(first)["after"]}
    assert after == {"interactions": "accepted", "items": "accepted"}
    promoted = gated(pipeline, first)["solution_version"]
    first_data = next(d for d in run_result(first)["data"] if d["dataset_type"] == "interactions")

    jobs = batch_jobs(personalize)
    again = retrain(config_path=pipeline.config_path, batch=False, return_state=True)
    assert again.is_completed() and again.message == NOTHING_NEW
    record = gated(pipeline, again)
    assert record["outcome"] == "unchanged" and record["solution_version"] == promoted
    assert record["gate"] is None
    assert batch_jobs(personalize) == jobs  # no version compared with itself
    assert {a["action"] for a in run_result(again)["after"]} == {"unchanged"}
    assert "**unchanged**" in lineage_text(pipeline)

    stopped = stopped_run(pipeline)
    assert stopped.is_failed() and stopped.message.startswith("stopped by the gate")
    assert "interactions restored to the accepted data" in stopped.message
    after = {a["dataset_type"]: a for a in run_result(stopped)["after"]}
    assert after["interactions"]["action"] == "restored"
    assert "items" not in after  # its import read the accepted file again: nothing to undo
    assert "- interactions: **restored**" in lineage_text(pipeline)
    manifest = read_manifest(pipeline.config, "interactions")
    assert manifest is not None and manifest.run == first_data["import_uri"].split("/")[-3]
    held = exported(pipeline)
    assert held.equals(accepted(pipeline))
    raw = pd.read_parquet(pipeline.exports.all_interactions)
    assert len(held) < len(raw)  # the stopped export's later days are gone

    # A failure after the import (a training that fails on the service) restores it too.
    arm_faults(local_service, {"fail_next": {"solution-version": "training failed"}})
    try:
        failed = retrain(
            config_path=pipeline.config_path,
            interactions_uri=pipeline.exports.all_interactions,
            batch=False,
            return_state=True,
        )
    finally:
        arm_faults(local_service, {"clear": True})
    assert failed.is_failed() and "training failed" in failed.message
    assert "interactions restored to the accepted data" in failed.message
    assert exported(pipeline).equals(held)
    # AWS billed its imports and trainings all the same: the run has its cost record.
    record = saved_records(pipeline.config.bucket, pipeline.config.dataset_group.name)[-1]
    assert record["flow_run"] == str(failed.state_details.flow_run_id)
    billed = {(line["item"], line["note"].split(":")[0]) for line in record["lines"]}
    assert ("data imported", "interactions") in billed
    trainings = [line for line in record["lines"] if line["item"] == "training"]
    assert len(trainings) == len(pipeline.config.solutions), trainings

    # on_stop: keep leaves the stopped run's data.
    data = yaml.safe_load(pipeline.path.read_text())
    data["datasets"]["interactions"]["on_stop"] = "keep"
    pipeline.path.write_text(yaml.safe_dump(data, sort_keys=False))
    kept = stopped_run(pipeline)
    assert kept.is_failed()
    assert "interactions keeps this run's data (datasets.interactions.on_stop: keep)" in (
        kept.message
    )
    assert len(exported(pipeline)) > len(held)


def write_export(pipeline: Pipeline, frame: pd.DataFrame, name: str) -> str:
    uri = f"s3://{pipeline.config.bucket}/raw/{name}.parquet"
    to_export(frame).to_parquet(uri, index=False)
    return uri


def prepared_rows(state: Any) -> pd.DataFrame:
    """Every row a run's preparation passed: its import folder's parts (not those carried in
    from an earlier run) and its holdout."""
    data = next(d for d in run_result(state)["data"] if d["dataset_type"] == "interactions")
    parts = [p for p in import_parts(data["import_uri"]) if "/carried-" not in p]
    if data["holdout"]:
        parts.append(data["holdout"]["uri"])
    return pd.concat([read_import(part, COLUMNS) for part in parts])


def test_incremental_runs_with_a_holdout_lose_no_row(
    prefect_api: None, local_service: Any, s3: Any, tmp_path: Path, unique: str
) -> None:
    pipeline = make_pipeline(tmp_path, s3, unique, gate=HOLDOUT_GATE)
    # The sparse increment (a quarter of three days' rows, so that too few rows are held out
    # to import) does not look like the data before it: the data checks would refuse it
    # (rows per day -75%), which is not what this test is about.
    without_data_checks(pipeline)
    world = generate_interactions(600, 200, 36_000, seed=3, days=36)
    day = (world["TIMESTAMP"] - DEFAULT_START) // DAY
    sparse = world[(day >= 26) & (day < 29)].sample(frac=0.25, random_state=1)
    parts = {
        "FULL": world[day < 19],
        "INCREMENTAL": world[(day >= 19) & (day < 26)],  # enough held-out rows to import
        "sparse": sparse,  # too few: carried into the next increment
        "last": world[(day >= 29)],
    }
    expected: list[pd.DataFrame] = []
    states = []
    for name, frame in parts.items():
        state = retrain(
            config_path=pipeline.config_path,
            interactions_uri=write_export(pipeline, frame, name),
            import_mode="FULL" if name == "FULL" else "INCREMENTAL",
            batch=False,
            return_state=True,
        )
        assert state.is_completed(), f"{name}: {state.message}"
        states.append(state)
        expected.append(prepared_rows(state))
        manifest = read_manifest(pipeline.config, "interactions")
        assert manifest is not None
        if name == "sparse":
            assert manifest.pending, "the sparse increment's held-out rows wait for the next"
            assert len(exported(pipeline)) < len(pd.concat(expected))
    held = [
        next(d for d in run_result(s)["data"] if d["dataset_type"] == "interactions")["holdout"]
        for s in states[1:]
    ]
    assert all(h and h["rows"] > 0 for h in held)
    assert held[0]["rows"] >= 1000 > held[1]["rows"]
    assert read_manifest(pipeline.config, "interactions").pending == []  # type: ignore[union-attr]
    assert exported(pipeline).equals(sorted_rows(pd.concat(expected)))
