"""Metric attributions over HTTP: lifecycle, checks, and the reports written to S3.

Sources: botocore's model (the operations' members and errors; PutEvents' recommendationId of
at most 40 characters and metricAttribution.eventAttributionSource), docs/aws-facts.md#runtime (the
shape of real recommendationIds, ``RID-...-CID-...``), and the developer guide's "Measuring
recommendation impact" (SUM()/SAMPLECOUNT() expressions, 15-minute windows,
eventAttributionSource winning over recommendationId, SOURCE_NAME_UNDEFINED).
"""

from __future__ import annotations

import json
from typing import Any

import boto3

from personalize_local.testing.helpers import error_of, put_csv, run_import, wait_gone
from personalize_local.testing.training_setup import (
    active_campaign,
    active_solution,
    loaded_group,
    settled,
    train,
)

ROLE = "arn:aws:iam::000000000000:role/PersonalizeS3"
METRICS = [
    {
        "eventType": "purchase",
        "metricName": "revenue",
        "expression": "SUM(Interactions.EVENT_VALUE)",
    },
    {"eventType": "click", "metricName": "clicks", "expression": "SAMPLECOUNT()"},
]


def report(s3: Any, bucket: str, name: str) -> list[dict[str, Any]]:
    body = s3.get_object(Bucket=bucket, Key=f"reports/{name}/metrics.jsonl")["Body"].read()
    return [json.loads(line) for line in body.decode().splitlines()]


def test_events_are_attributed_to_the_campaign_version_that_recommended(
    personalize: Any, s3: Any, bucket: str, unique: str
) -> None:
    group = loaded_group(personalize, s3, bucket, f"ma-{unique}")
    solution = active_solution(personalize, group, f"ma-{unique}", "aws-user-personalization-v2")
    version = train(personalize, solution)["solutionVersionArn"]
    campaign = active_campaign(personalize, f"ma-{unique}", version)
    answer = boto3.client("personalize-runtime").get_recommendations(
        campaignArn=campaign, userId="u1"
    )
    rid = answer["recommendationId"]
    assert len(rid) == 40 and rid.startswith("RID-") and "-CID-" in rid

    name = f"ma-{unique}"
    arn = personalize.create_metric_attribution(
        name=name, datasetGroupArn=group, metrics=METRICS,
        metricsOutputConfig={"roleArn": ROLE,
                             "s3DataDestination": {"path": f"s3://{bucket}/reports/"}},
    )["metricAttributionArn"]  # fmt: skip
    done = settled(
        lambda: personalize.describe_metric_attribution(metricAttributionArn=arn)[
            "metricAttribution"
        ]
    )
    assert done["status"] == "ACTIVE" and done["datasetGroupArn"] == group
    code, _ = error_of(personalize.create_metric_attribution, name=f"again-{unique}",
                       datasetGroupArn=group, metrics=METRICS,
                       metricsOutputConfig={"roleArn": ROLE})  # fmt: skip
    assert code == "ResourceAlreadyExistsException"
    listed = personalize.list_metric_attribution_metrics(metricAttributionArn=arn, maxResults=1)
    assert listed["metrics"] == METRICS[:1] and "nextToken" in listed

    tracker = personalize.create_event_tracker(name=f"ma-{unique}", datasetGroupArn=group)
    settled(lambda: personalize.describe_event_tracker(
        eventTrackerArn=tracker["eventTrackerArn"])["eventTracker"])  # fmt: skip
    item = answer["itemList"][0]["itemId"]
    events = boto3.client("personalize-events")
    window = 1_800_000_000  # a 15-minute window's start
    events.put_events(trackingId=tracker["trackingId"], userId="u1", sessionId="s1", eventList=[
        {"eventType": "purchase", "itemId": item, "sentAt": window + 10, "recommendationId": rid,
         "eventValue": 9.5},
        {"eventType": "purchase", "itemId": item, "sentAt": window + 20, "recommendationId": rid,
         "eventValue": 2.0, "metricAttribution": {"eventAttributionSource": "newsletter"}},
        {"eventType": "click", "itemId": item, "sentAt": window + 30},
    ])  # fmt: skip
    rows = [r for r in report(s3, bucket, name) if r["windowStart"] == window]
    by = {(r["metricName"], r["eventAttributionSource"]): r for r in rows}
    assert by[("revenue", campaign)]["solutionVersionArn"] == version
    assert by[("revenue", campaign)]["value"] == 9.5 and by[("revenue", "newsletter")]["value"] == 2
    assert by[("revenue", "newsletter")]["solutionVersionArn"] is None
    assert by[("clicks", "SOURCE_NAME_UNDEFINED")]["value"] == 1.0

    personalize.update_metric_attribution(
        metricAttributionArn=arn,
        removeMetrics=["revenue"],
        addMetrics=[{"eventType": "purchase", "metricName": "purchases",
                     "expression": "SAMPLECOUNT()"}],
    )  # fmt: skip
    rows = [r for r in report(s3, bucket, name) if r["windowStart"] == window]
    counts = {(r["metricName"], r["eventAttributionSource"]): r["value"] for r in rows}
    assert counts[("purchases", campaign)] == 1.0 and counts[("purchases", "newsletter")] == 1.0
    assert ("revenue", campaign) not in counts

    code, message = error_of(personalize.update_metric_attribution, metricAttributionArn=arn,
                             addMetrics=[{"eventType": "x", "metricName": "bad",
                                          "expression": "AVG(Items.PRICE)"}])  # fmt: skip
    assert code == "InvalidInputException" and "SAMPLECOUNT" in message
    assert [a["metricAttributionArn"] for a in personalize.list_metric_attributions(
        datasetGroupArn=group)["metricAttributions"]] == [arn]  # fmt: skip
    personalize.delete_metric_attribution(metricAttributionArn=arn)
    wait_gone(lambda: personalize.describe_metric_attribution(metricAttributionArn=arn))


def test_imported_interactions_with_a_source_are_reported(
    personalize: Any, s3: Any, bucket: str, unique: str
) -> None:
    group = loaded_group(personalize, s3, bucket, f"mai-{unique}")
    name = f"mai-{unique}"
    arn = personalize.create_metric_attribution(
        name=name, datasetGroupArn=group,
        metrics=[{"eventType": "click", "metricName": "clicks", "expression": "SAMPLECOUNT()"}],
        metricsOutputConfig={"roleArn": ROLE,
                             "s3DataDestination": {"path": f"s3://{bucket}/reports"}},
    )["metricAttributionArn"]  # fmt: skip
    settled(lambda: personalize.describe_metric_attribution(metricAttributionArn=arn)[
        "metricAttribution"])  # fmt: skip
    dataset = next(d for d in personalize.list_datasets(datasetGroupArn=group)["datasets"]
                   if d["datasetType"].upper() == "INTERACTIONS")  # fmt: skip
    before = sum(r["value"] for r in report(s3, bucket, name))
    assert before > 0
    lines = ["USER_ID,ITEM_ID,TIMESTAMP,EVENT_TYPE"] + [
        f"u{u},i{u},{1_900_000_000 + u},click" for u in range(30)
    ]
    uri = put_csv(s3, bucket, f"{name}/more.csv", "\n".join(lines) + "\n")
    job = run_import(personalize, dataset["datasetArn"], uri, f"{name}-more", "INCREMENTAL")
    assert job["status"] == "ACTIVE", job
    assert sum(r["value"] for r in report(s3, bucket, name)) == before + 30
