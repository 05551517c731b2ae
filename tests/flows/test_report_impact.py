"""report_impact end to end: provision creates the metric attribution, events sent back with a
campaign's recommendationId are attributed to the version it served, and the flow publishes
them per version beside that version's offline metrics (local service, a real Prefect API)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import boto3
import pandas as pd
import pytest
import yaml

from flows.provision import provision
from flows.report_impact import daily_impact, report_impact
from flows.retrain import retrain
from flows.teardown import teardown
from tests.pipelines import make_pipeline

METRICS = [
    {"event_type": "purchase", "metric_name": "purchases", "expression": "SAMPLECOUNT()"},
    {"event_type": "click", "metric_name": "clicks", "expression": "SAMPLECOUNT()"},
]


def test_daily_impact_adds_windows_up_per_day_and_keeps_the_last_days() -> None:
    day = 1_800_000_000 // 86_400 * 86_400
    report = pd.DataFrame(
        {
            "windowStart": [day, day + 900, day + 86_400, day + 2 * 86_400],
            "eventAttributionSource": ["c", "c", "c", "SOURCE_NAME_UNDEFINED"],
            "solutionVersionArn": ["v1", "v1", "v2", None],
            "metricName": ["m"] * 4,
            "eventType": ["purchase"] * 4,
            "value": [1.0, 2.0, 5.0, 7.0],
        }
    )
    daily = daily_impact(report)
    assert daily["value"].tolist() == [3.0, 5.0, 7.0]
    assert daily["version"].tolist() == ["v1", "v2", ""]
    assert daily_impact(report, days=1)["value"].tolist() == [7.0]


@pytest.mark.slow
def test_events_from_a_campaign_are_reported_per_version(
    prefect_api: None, local_service: Any, s3: Any, personalize: Any, tmp_path: Path, unique: str
) -> None:
    pipeline = make_pipeline(tmp_path, s3, unique)
    data = yaml.safe_load(pipeline.path.read_text())
    data["metric_attribution"] = {"name": f"impact-{unique}", "metrics": METRICS}
    pipeline.path.write_text(yaml.safe_dump(data, sort_keys=False))

    created = provision(config_path=pipeline.config_path)
    assert created["metric_attribution"].endswith(f":metric-attribution/impact-{unique}")
    plan = provision(config_path=pipeline.config_path, plan=True)["plan"]
    assert ("metric-attribution", "exists") in {(r["kind"], r["action"]) for r in plan}

    first = retrain(config_path=pipeline.config_path, batch=False, return_state=True)
    assert first.is_completed(), first.message
    (promoted,) = [s for s in first.result()["solutions"] if s["outcome"] == "promoted"]
    campaign = promoted["campaign"]["campaignArn"]
    answer = boto3.client("personalize-runtime").get_recommendations(
        campaignArn=campaign, userId="u1"
    )
    tracker = personalize.describe_event_tracker(eventTrackerArn=created["event_tracker"])
    item, rid = answer["itemList"][0]["itemId"], answer["recommendationId"]
    boto3.client("personalize-events").put_events(
        trackingId=tracker["eventTracker"]["trackingId"], userId="u1", sessionId="s",
        eventList=[
            {"eventType": "purchase", "itemId": item, "sentAt": 1_800_000_000,
             "recommendationId": rid},
            {"eventType": "purchase", "itemId": item, "sentAt": 1_800_000_100,
             "recommendationId": rid},
            {"eventType": "click", "itemId": item, "sentAt": 1_800_000_200},
        ],
    )  # fmt: skip

    result = report_impact(config_path=pipeline.config_path, days=1)
    rows = {(r["source"], r["metric"]): r for r in result["rows"]}
    mine = rows[(campaign.rsplit("/", 1)[-1], "purchases")]
    assert mine["total"] == 2 and mine["version"] == promoted["solution_version"].rsplit("/", 1)[-1]
    assert mine["offline precision_at_10"] == round(promoted["metrics"]["precision_at_10"], 4)
    assert rows[("SOURCE_NAME_UNDEFINED", "clicks")]["total"] == 1
    assert result["days"] == ["2027-01-15"]

    deleted = teardown(config_path=pipeline.config_path, confirm=pipeline.config.dataset_group.name)
    assert created["metric_attribution"] in deleted
