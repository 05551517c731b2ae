"""retrain's paired gate through the local service and a real Prefect API: on the same held-out
users, a worse version is stopped and a better one promoted; the lineage shows both."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml

from flows.retrain import NOTHING_NEW, retrain
from flows.run_state import run_result
from local.sample_data import DEFAULT_START, SampleSize, history, to_export
from tests.artifacts import latest_artifacts, misread_cells
from tests.pipelines import make_pipeline

pytestmark = pytest.mark.slow

DAY = 86_400
GATE = {"holdout": {"days": 7, "max_users": 5000, "max_drop": 0.05}}


def corrupted_history(bucket: str) -> str:
    """All 74 days, but every interaction before the last week names a random item (a backfill
    bug): the recent week, where the holdout comes from, is intact."""
    frame = history(SampleSize())
    old = frame["TIMESTAMP"].to_numpy() < DEFAULT_START + 67 * DAY
    catalogue = np.sort(frame["ITEM_ID"].unique())
    frame.loc[old, "ITEM_ID"] = np.random.default_rng(5).choice(catalogue, int(old.sum()))
    uri = f"s3://{bucket}/raw/corrupted-history.parquet"
    to_export(frame).to_parquet(uri, index=False)
    return uri


def serving(personalize: Any, campaign: str) -> str:
    found = next(c for c in personalize.list_campaigns()["campaigns"] if c["name"] == campaign)
    described = personalize.describe_campaign(campaignArn=found["campaignArn"])["campaign"]
    return str(described["solutionVersionArn"])


def gated_record(state: Any, name: str) -> dict[str, Any]:
    result = run_result(state)
    return next(s for s in result["solutions"] if s["solution"] == name)


def test_paired_gate_stops_a_worse_version_and_promotes_a_better_one(
    prefect_api: None, local_service: Any, s3: Any, personalize: Any, tmp_path: Path, unique: str
) -> None:
    pipeline = make_pipeline(tmp_path, s3, unique, SampleSize(), gate=GATE)
    solution = next(s for s in pipeline.config.solutions if s.campaign)
    assert solution.campaign is not None
    only = [solution.name]

    first = retrain(
        config_path=pipeline.config_path, solutions=only, batch=False, return_state=True
    )
    assert first.is_completed(), first.message
    assert (
        gated_record(first, solution.name)["gate"]["holdout"]["unavailable"]
        == "no version serving yet"
    )
    before = serving(personalize, solution.campaign.name)

    worse = retrain(
        config_path=pipeline.config_path,
        interactions_uri=corrupted_history(pipeline.config.bucket),
        solutions=only,
        batch=False,
        return_state=True,
    )
    assert worse.is_failed() and worse.message.startswith("stopped by the gate")
    record = gated_record(worse, solution.name)
    comparison = record["gate"]["holdout"]
    assert comparison["unavailable"] == "" and comparison["users"] > 300
    lines = run_result(worse)["costs"]["lines"]
    jobs = next(line for line in lines if line["item"] == "gate comparison")
    assert jobs["quantity"] == comparison["users"] * 2 / 1000  # a job each for new and serving
    ndcg = next(d for d in comparison["serving"] if d["metric"] == solution.gate.holdout.metric)
    assert ndcg["relative_high"] < -0.05 and ndcg["verdict"] == "worse"
    (failed,) = [row for row in record["gate"]["rows"] if row["result"].startswith("fail")]
    assert failed["rule"].startswith("holdout: lower bound")
    assert serving(personalize, solution.campaign.name) == before
    data = run_result(worse)["data"]
    held = next(d for d in data if d["dataset_type"] == "interactions")["holdout"]
    assert held["rows"] > 0 and held["uri"].endswith("interactions.holdout.csv")
    # A week before the data's end (day 74), later than what the serving version saw (day 60).
    assert DEFAULT_START + 66 * DAY < held["cutoff"] <= DEFAULT_START + 67 * DAY

    better = retrain(
        config_path=pipeline.config_path,
        interactions_uri=pipeline.exports.all_interactions,
        solutions=only,
        batch=False,
        return_state=True,
    )
    assert better.is_completed(), better.message
    record = gated_record(better, solution.name)
    ndcg = next(
        d
        for d in record["gate"]["holdout"]["serving"]
        if d["metric"] == solution.gate.holdout.metric
    )
    assert ndcg["relative_low"] > -0.05
    assert serving(personalize, solution.campaign.name) == record["solution_version"] != before
    latest = latest_artifacts(f"holdout-{solution.name}")
    table = json.loads(str(latest[f"holdout-{solution.name}"].data))
    assert table[0]["metric"] == solution.gate.holdout.metric  # the gated metric first
    assert {"serving", "new", "difference", "relative", "verdict"} <= set(table[0])
    assert misread_cells(table) == []

    # The same export again: data and version unchanged, so nothing is compared.
    same = retrain(
        config_path=pipeline.config_path,
        interactions_uri=pipeline.exports.all_interactions,
        solutions=only,
        batch=False,
        return_state=True,
    )
    assert same.is_completed() and same.message == NOTHING_NEW, same.message
    assert gated_record(same, solution.name)["outcome"] == "unchanged"

    # An export with nothing newer than the serving version's data (its first day missing):
    # the serving version's own holdout (never trained on) is held out again and compared.
    again = retrain(
        config_path=pipeline.config_path,
        interactions_uri=without_first_day(pipeline),
        solutions=only,
        batch=False,
        return_state=True,
    )
    assert again.is_completed(), again.message
    data = [run_result(better)["data"], run_result(again)["data"]]
    first, second = (next(d for d in run if d["dataset_type"] == "interactions") for run in data)
    assert second["holdout"]["cutoff"] == first["holdout"]["cutoff"]
    assert second["holdout"]["users"] == first["holdout"]["users"] > 300
    assert gated_record(again, solution.name)["gate"]["holdout"]["unavailable"] == ""


def without_first_day(pipeline: Any) -> str:
    """The whole history but its first day, as an export."""
    frame = history(SampleSize())
    frame = frame[frame["TIMESTAMP"] >= DEFAULT_START + DAY]
    uri = f"s3://{pipeline.config.bucket}/raw/without-first-day.parquet"
    to_export(frame).to_parquet(uri, index=False)
    return uri


def test_a_version_the_gate_stopped_is_not_gated_again_on_the_same_inputs(
    prefect_api: None, local_service: Any, s3: Any, personalize: Any, tmp_path: Path, unique: str
) -> None:
    # Issue 29, 5: runs on an unchanged export re-gated the version already stopped, each with
    # its holdout batch jobs (57 in a burst of 20). Its datasets keep a stopped run's data, so
    # the same export again finds it imported and the version trained on it.
    pipeline = make_pipeline(tmp_path, s3, unique, SampleSize(), gate=GATE)
    data = yaml.safe_load(pipeline.path.read_text())
    for dataset in data["datasets"].values():
        dataset["on_stop"] = "keep"
    pipeline.path.write_text(yaml.safe_dump(data))
    solution = next(s for s in pipeline.config.solutions if s.campaign)
    only = [solution.name]
    first = retrain(
        config_path=pipeline.config_path, solutions=only, batch=False, return_state=True
    )
    assert first.is_completed(), first.message
    corrupted = corrupted_history(pipeline.config.bucket)

    def on_corrupted() -> Any:
        return retrain(
            config_path=pipeline.config_path,
            interactions_uri=corrupted,
            solutions=only,
            batch=False,
            return_state=True,
        )

    stopped = on_corrupted()
    assert stopped.is_failed() and stopped.message.startswith("stopped by the gate")
    jobs = len(personalize.list_batch_inference_jobs()["batchInferenceJobs"])
    again = on_corrupted()
    assert again.is_failed() and "stays stopped" in str(again.message), again.message
    record = gated_record(again, solution.name)
    assert record["outcome"] == "stopped before"
    assert record["solution_version"] == gated_record(stopped, solution.name)["solution_version"]
    assert len(personalize.list_batch_inference_jobs()["batchInferenceJobs"]) == jobs
