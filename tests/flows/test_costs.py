"""A retrain's cost record, and the training budget, through the real path: the local service
over HTTP, its S3, a real Prefect API."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml
from prefect import flow

from flows.costs import record_costs
from flows.retrain import retrain
from flows.review_versions import review_versions
from flows.run_state import run_result
from flows.teardown import teardown
from local.sample_data import SampleSize
from personalize_local.testing.training_setup import train
from tasks.costs import GB, saved_records
from tests.artifacts import latest_artifacts
from tests.pipelines import make_pipeline


def aws_state(personalize: Any, group_name: str) -> dict[str, Any]:
    """What a stopped run must leave as it was: versions, import jobs and campaigns."""
    group = next(
        g for g in personalize.list_dataset_groups()["datasetGroups"] if g["name"] == group_name
    )["datasetGroupArn"]
    solutions = personalize.list_solutions(datasetGroupArn=group)["solutions"]
    datasets = personalize.list_datasets(datasetGroupArn=group)["datasets"]
    campaigns = [
        personalize.describe_campaign(campaignArn=c["campaignArn"])["campaign"]
        for s in solutions
        for c in personalize.list_campaigns(solutionArn=s["solutionArn"])["campaigns"]
    ]
    return {
        "versions": sorted(
            v["solutionVersionArn"]
            for s in solutions
            for v in personalize.list_solution_versions(solutionArn=s["solutionArn"])[
                "solutionVersions"
            ]
        ),
        "imports": sorted(
            j["datasetImportJobArn"]
            for d in datasets
            for j in personalize.list_dataset_import_jobs(datasetArn=d["datasetArn"])[
                "datasetImportJobs"
            ]
        ),
        "campaigns": sorted((c["campaignArn"], c["solutionVersionArn"]) for c in campaigns),
    }


def size_of(s3: Any, uri: str) -> int:
    """The bytes of an S3 object, or of the CSV parts under a folder URI."""
    bucket, _, key = uri.removeprefix("s3://").partition("/")
    listed = s3.list_objects_v2(Bucket=bucket, Prefix=key)["Contents"]
    if uri.endswith("/"):
        return sum(o["Size"] for o in listed if o["Key"].lower().endswith(".csv"))
    return int(next(o["Size"] for o in listed if o["Key"] == key))


@pytest.mark.slow
@pytest.mark.timeout(600)
def test_cost_record_and_budget_stop(
    prefect_api: None,
    local_service: Any,
    s3: Any,
    personalize: Any,
    tmp_path: Path,
    unique: str,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    pipeline = make_pipeline(tmp_path, s3, unique, SampleSize())
    data = yaml.safe_load(pipeline.path.read_text())
    served = next(s for s in data["solutions"] if s.get("campaign"))
    served["campaign"]["min_provisioned_tps"] = 2  # above 1: billed idle, reported so
    pipeline.path.write_text(yaml.safe_dump(data, sort_keys=False))
    state = retrain(config_path=pipeline.config_path, batch=False, return_state=True)
    assert state.is_completed(), state.message
    costs = run_result(state)["costs"]

    trained = [line for line in costs["lines"] if line["item"] == "training"]
    assert len(trained) == len(pipeline.config.solutions)
    for line in trained:
        version = personalize.describe_solution_version(solutionVersionArn=line["subject"])
        assert line["quantity"] == version["solutionVersion"]["trainingHours"]
        assert line["cost"] == pytest.approx(line["quantity"] * 0.24)
    imported = [line for line in costs["lines"] if line["item"] == "data imported"]
    assert {line["note"].split(":")[0] for line in imported} == {"interactions", "items"}
    for line in imported:
        assert round(line["quantity"] * GB) == size_of(s3, line["subject"])
    campaign = next(s.campaign for s in pipeline.config.solutions if s.campaign)
    tps = [line for line in costs["lines"] if line["item"] == "campaign"]
    assert [line["subject"] for line in tps] == [campaign.name]
    assert "bills $292.00 a month even when idle" in tps[0]["note"]  # 2 TPS x 730 h x $0.20
    group = pipeline.config.dataset_group.name
    found = latest_artifacts(f"costs-{group}", f"costs-monthly-{group}")
    assert set(found) == {f"costs-{group}", f"costs-monthly-{group}"}
    assert costs["lines"][0]["subject"] in str(found[f"costs-{group}"].data)

    # A campaign of the group that the configuration does not name bills all the same.
    served_version = aws_state(personalize, group)["campaigns"][0][1]
    personalize.create_campaign(
        name=f"by-hand-{unique}", solutionVersionArn=served_version, minProvisionedTPS=3
    )
    # So does a version trained by hand between runs: the next record bills it, once.
    solution = personalize.describe_solution_version(solutionVersionArn=trained[0]["subject"])
    by_hand = train(personalize, solution["solutionVersion"]["solutionArn"])
    record = flow(name="record-costs")(record_costs)
    later = record(pipeline.config, "by-hand", datetime.now(UTC), [], [])
    notes = {line.subject: line.note for line in later.lines if line.item == "campaign"}
    assert set(notes) == {campaign.name, f"by-hand-{unique}"}
    assert "bills $438.00 a month even when idle" in notes[f"by-hand-{unique}"]
    hand = by_hand["solutionVersionArn"]
    billed = [(line.item, line.quantity) for line in later.lines if line.subject == hand]
    assert billed == [("trained outside a run", by_hand["trainingHours"])]
    # The monthly chart is the sum of the records kept in S3: both runs' so far.
    kept = saved_records(pipeline.config.bucket, group)
    assert [r["flow_run"] for r in kept][-1] == "by-hand" and len(kept) == 2
    chart = str(latest_artifacts(f"costs-monthly-{group}")[f"costs-monthly-{group}"].data)
    total = sum(r["total"] for r in kept)
    assert f"| {kept[-1]['at'][:7]} |" in chart and f" | {total:.2f} |" in chart

    # A budget the next training would exceed: the retrain stops and AWS is as it was.
    used = sum(line["quantity"] for line in trained) + by_hand["trainingHours"]
    data = yaml.safe_load(pipeline.path.read_text())
    data["budget"] = {"training_hours_per_month": used + 0.5}
    pipeline.path.write_text(yaml.safe_dump(data, sort_keys=False))
    before = aws_state(personalize, group)
    caplog.clear()
    stopped = retrain(config_path=pipeline.config_path, batch=False, return_state=True)
    assert stopped.is_failed()
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(errors) == 1 and errors[0].exc_info is None, errors  # one line, no traceback
    assert errors[0].getMessage().startswith("Training budget of dataset group")
    assert "budget.training_hours_per_month is" in stopped.message
    assert f"{used:.4g} h used in" in stopped.message
    assert aws_state(personalize, group) == before

    # The teardown plan shows what deleting each campaign saves per month, at the prices of
    # the session's region when the configuration names none (as the record does).
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-west-1")
    data = yaml.safe_load(pipeline.path.read_text())
    del data["aws"]["region"]
    data["costs"] = {"prices_by_region": {"eu-west-1": {"tps_hour": 0.25}}}
    pipeline.path.write_text(yaml.safe_dump(data, sort_keys=False))
    assert teardown(config_path=pipeline.config_path) == []
    plan = json.loads(str(latest_artifacts(f"teardown-{group}")[f"teardown-{group}"].data))
    saves = {(row["kind"], row["saves per month (USD)"]) for row in plan}
    assert {("campaign", "365.00 (2 TPS)"), ("campaign", "547.50 (3 TPS)")} <= saves
    assert ("solution", "n/a") in saves

    # review_versions reports the month's hours against the budget (automatic ones included),
    # whether its gate passes the version trained by hand or stops it (on this sample, either).
    review = review_versions(config_path=pipeline.config_path, batch=False, return_state=True)
    assert f"training budget {used + 0.5:g} h: {used:.4g} h used in" in review.message
    # Its cost record bills the version trained by hand no more: an earlier record did.
    again = [line for line in run_result(review)["costs"]["lines"] if line["subject"] == hand]
    assert sum(line["quantity"] for line in again) == 0.0
