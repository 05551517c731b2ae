"""CreateMetricAttribution, DescribeMetricAttribution, ListMetricAttributions,
ListMetricAttributionMetrics, UpdateMetricAttribution, DeleteMetricAttribution, and the reports.

1. A dataset group has at most one metric attribution: up to 10 metrics (an event type, a name,
   ``SAMPLECOUNT()`` or ``SUM(Items.PRICE)``-like expression) and an output configuration.
2. Its report (:mod:`personalize_local.attribution`) is rewritten whenever the group's interactions
   change (an import finishes, PutEvents receives events) and when the attribution is created
   or updated, as JSON lines at ``<s3DataDestination.path>/<name>/metrics.jsonl``: one line per
   15-minute window, source and metric. Without an S3 destination nothing is written (AWS then
   reports to CloudWatch only).
"""

from __future__ import annotations

import json
import logging
from typing import Any

from personalize_local.attribution import check_expression, report, source_code
from personalize_local.batch_io import s3_location
from personalize_local.engine.data import load_group
from personalize_local.errors import InvalidInputException, ResourceAlreadyExistsException
from personalize_local.jobs import Job, Work
from personalize_local.kinds import (
    CAMPAIGN,
    DATASET_GROUP,
    METRIC_ATTRIBUTION,
    RECOMMENDER,
    SOLUTION,
    SOLUTION_VERSION,
)
from personalize_local.ops import Handler
from personalize_local.records import MetricAttribution
from personalize_local.resources import (
    create_tags,
    delete_when_unused,
    find,
    listed,
    page,
    require_active,
    start_create,
)
from personalize_local.s3_access import require_access
from personalize_local.service import Call, Service

log = logging.getLogger("personalize_local.attribution")
KIND = METRIC_ATTRIBUTION
MAX_METRICS = 10


def create_metric_attribution(service: Service, call: Call) -> dict[str, Any]:
    p = call.params
    group = require_active(service, DATASET_GROUP, p["datasetGroupArn"])
    existing = listed(service, KIND, parent=group["datasetGroupArn"])
    if existing:
        raise ResourceAlreadyExistsException(
            f"The dataset group {group['datasetGroupArn']} already has the metric attribution "
            f"{existing[0]['metricAttributionArn']}; update it or delete it first."
        )
    _check_metrics(p["metrics"])
    _check_output(p["metricsOutputConfig"])
    output = p["metricsOutputConfig"].get("s3DataDestination")
    tags = create_tags(p)
    arn = call.arn(f"metric-attribution/{p['name']}")
    require_access(service, arn, writes=(output["path"],) if output else ())
    body: MetricAttribution = {
        "name": p["name"],
        "metricAttributionArn": arn,
        "datasetGroupArn": group["datasetGroupArn"],
        "metricsOutputConfig": p["metricsOutputConfig"],
        "metrics": p["metrics"],
        "status": "CREATE PENDING",
    }
    start_create(service, KIND, arn, body, tags, parent=group["datasetGroupArn"])
    return {"metricAttributionArn": arn}


def list_metric_attribution_metrics(service: Service, call: Call) -> dict[str, Any]:
    arn = call.params.get("metricAttributionArn")
    if not arn:
        raise InvalidInputException("Give the metricAttributionArn whose metrics to list.")
    # botocore's model lists no ResourceNotFoundException here: an unknown one lists nothing.
    attribution = find(service, KIND, arn) if service.store.kind_of(arn) == KIND.name else None
    stored = attribution.get("metrics", []) if attribution else []
    metrics = [{**m, "creationDateTime": -i} for i, m in enumerate(stored)]
    answer = page(metrics, call.params, "metrics")
    answer["metrics"] = [{k: v for k, v in m.items() if k != "creationDateTime"}
                         for m in answer["metrics"]]  # fmt: skip
    return answer


def update_metric_attribution(service: Service, call: Call) -> dict[str, Any]:
    p = call.params
    arn = p.get("metricAttributionArn")
    if not arn:
        raise InvalidInputException("Give the metricAttributionArn to update.")
    body = require_active(service, KIND, arn)
    removed = set(p.get("removeMetrics", []))
    unknown = removed - {m["metricName"] for m in body["metrics"]}
    if unknown:
        raise InvalidInputException(f"removeMetrics names no metric of {arn}: {sorted(unknown)}.")
    metrics = [m for m in body["metrics"] if m["metricName"] not in removed]
    metrics += p.get("addMetrics", [])
    _check_metrics(metrics)
    output = p.get("metricsOutputConfig", body["metricsOutputConfig"])
    _check_output(output)
    service.store.update(arn, {"metrics": metrics, "metricsOutputConfig": output})
    refresh_reports(service, body["datasetGroupArn"])
    return {"metricAttributionArn": arn}


def delete_metric_attribution(service: Service, call: Call) -> dict[str, Any]:
    delete_when_unused(service, KIND, call.params["metricAttributionArn"])
    return {}


def _first_report(job: Job) -> None:
    """Report what the group already holds once the attribution exists."""
    _write(job.service, job.record(KIND))


def refresh_reports(service: Service, group_arn: str | None) -> None:
    """Rewrite the report of the group's metric attribution, if it has an ACTIVE one."""
    if group_arn is None:
        return
    for attribution in listed(service, KIND, parent=group_arn):
        if attribution.get("status") == "ACTIVE":
            try:
                _write(service, attribution)
            except Exception:  # a report must never fail an import or PutEvents
                log.exception("could not write the report of %s", attribution["name"])


def _write(service: Service, attribution: MetricAttribution) -> None:
    destination = attribution["metricsOutputConfig"].get("s3DataDestination")
    if not destination:
        return
    group_arn = attribution["datasetGroupArn"]
    group = load_group(service, group_arn)
    rows = report(
        group.interactions, group.items, attribution["metrics"], _codes(service, group_arn)
    )
    bucket, prefix = s3_location(destination["path"], "metricsOutputConfig.s3DataDestination")
    key = f"{prefix.rstrip('/')}/{attribution['name']}/metrics.jsonl".lstrip("/")
    text = "".join(json.dumps(row) + "\n" for row in rows)
    service.s3().put_object(Bucket=bucket, Key=key, Body=text.encode("utf-8"))


def _codes(service: Service, group_arn: str) -> dict[str, tuple[str, str | None]]:
    """recommendationId code -> (campaign ARN, solution version) or (recommender ARN, None)."""
    codes: dict[str, tuple[str, str | None]] = {}
    for solution in listed(service, SOLUTION, parent=group_arn):
        versions = listed(service, SOLUTION_VERSION, parent=solution["solutionArn"])
        for campaign in listed(service, CAMPAIGN, parent=solution["solutionArn"]):
            for version in versions:
                arn = version["solutionVersionArn"]
                codes[source_code(campaign["campaignArn"], arn)] = (campaign["campaignArn"], arn)
    for recommender in listed(service, RECOMMENDER, parent=group_arn):
        arn = recommender["recommenderArn"]
        codes[source_code(arn, arn)] = (arn, None)
    return codes


def _check_metrics(metrics: list[dict[str, str]]) -> None:
    if len(metrics) > MAX_METRICS:
        raise InvalidInputException(
            f"A metric attribution has at most {MAX_METRICS} metrics; this one would have "
            f"{len(metrics)}."
        )
    names = [m["metricName"] for m in metrics]
    if len(set(names)) != len(names):
        raise InvalidInputException(f"Metric names must be unique: {names}.")
    for metric in metrics:
        try:
            check_expression(metric["expression"])
        except ValueError as error:
            raise InvalidInputException(f"Metric {metric['metricName']}: {error}.") from None


def _check_output(output: dict[str, Any]) -> None:
    if output.get("s3DataDestination"):
        s3_location(output["s3DataDestination"]["path"], "metricsOutputConfig.s3DataDestination")


HANDLERS: dict[str, Handler] = {
    "CreateMetricAttribution": create_metric_attribution,
    "ListMetricAttributionMetrics": list_metric_attribution_metrics,
    "UpdateMetricAttribution": update_metric_attribution,
    "DeleteMetricAttribution": delete_metric_attribution,
}
JOBS: dict[tuple[str, str], Work] = {
    (KIND.name, "CREATE"): _first_report,
}
