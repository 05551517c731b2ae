"""Metric attribution: ``ensure_metric_attribution`` creates the group's one attribution (and
keeps its metrics as configured), ``read_impact_report`` reads the report it writes to S3.

The report has one JSON line per 15-minute window, source and metric: ``windowStart``,
``eventAttributionSource`` (the campaign or recommender, a source the events named, or
SOURCE_NAME_UNDEFINED), ``solutionVersionArn`` when the local service can tell it, ``metricName``,
``eventType`` and ``value``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, cast

import fsspec
import pandas as pd

from tasks.aws import AwsSettings, client
from tasks.dataset_groups import group_key
from tasks.desired import Desired
from tasks.errors import translated
from tasks.reporting import run_logger
from tasks.resources import Wanted, ensure
from tasks.retries import personalize_task
from tasks.waiter import describe

if TYPE_CHECKING:
    from mypy_boto3_personalize.type_defs import MetricAttributeTypeDef

    from tasks.config import PipelineConfig

REPORT_COLUMNS = [
    "windowStart",
    "eventAttributionSource",
    "solutionVersionArn",
    "metricName",
    "eventType",
    "value",
]


def wanted_metric_attribution(
    dataset_group_arn: str, name: str, output_uri: str, role_arn: str
) -> Wanted:
    """The metric attribution as configured: where its reports go (advisory)."""
    output = {"roleArn": role_arn, "s3DataDestination": {"path": output_uri}}
    return Wanted("metric-attribution", name, {"metricsOutputConfig": output}, dataset_group_arn)


@personalize_task()
def ensure_metric_attribution(
    aws: AwsSettings,
    dataset_group_arn: str,
    name: str,
    metrics: list[dict[str, str]],
    output_uri: str,
    role_arn: str,
) -> str:
    """The ARN of the ACTIVE metric attribution ``name``, its metrics brought to ``metrics``."""
    personalize = client(aws, "personalize")
    wanted = wanted_metric_attribution(dataset_group_arn, name, output_uri, role_arn)
    output = wanted.settings["metricsOutputConfig"]

    def create() -> str:
        with translated(wanted.label):
            response = personalize.create_metric_attribution(
                name=name,
                datasetGroupArn=dataset_group_arn,
                metrics=cast("list[MetricAttributeTypeDef]", metrics),
                metricsOutputConfig=output,
            )
        return str(response["metricAttributionArn"])

    arn, created = ensure(personalize, wanted, create)
    if created:
        return arn
    with translated(wanted.label):
        # At most 10 metrics: one page.
        live = personalize.list_metric_attribution_metrics(metricAttributionArn=arn)["metrics"]
    wanted_names = {m["metricName"]: m for m in metrics}
    stale = [m["metricName"] for m in live if wanted_names.get(m["metricName"]) != m]
    missing = [m for m in metrics if m not in live]
    if stale or missing:
        run_logger().info("Updating the metrics of %s: -%s +%s", name, stale, missing)
        with translated(wanted.label):
            personalize.update_metric_attribution(
                metricAttributionArn=arn,
                removeMetrics=stale,
                addMetrics=cast("list[MetricAttributeTypeDef]", missing),
            )
    return arn


@personalize_task()
def read_impact_report(aws: AwsSettings, metric_attribution_arn: str) -> pd.DataFrame:
    """The attribution's report as a table (empty when nothing was reported yet)."""
    attribution = describe(client(aws, "personalize"), "metric-attribution", metric_attribution_arn)
    destination = attribution["metricsOutputConfig"].get("s3DataDestination")
    if not destination:
        raise ValueError(
            f"{attribution['name']} has no S3 destination: its reports go to CloudWatch"
        )
    uri = f"{destination['path'].rstrip('/')}/{attribution['name']}/metrics.jsonl"
    fs, path = fsspec.core.url_to_fs(uri)
    if not fs.exists(path):
        return pd.DataFrame(columns=REPORT_COLUMNS)
    with fs.open(path, "r") as source:
        frame = pd.read_json(source, lines=True, dtype={"solutionVersionArn": str})
    return frame.reindex(columns=REPORT_COLUMNS)


def as_metrics(config_metrics: list[Any]) -> list[dict[str, str]]:
    """The configured metrics as Personalize's MetricAttribute documents."""
    return [
        {"eventType": m.event_type, "metricName": m.metric_name, "expression": m.expression}
        for m in config_metrics
    ]


def desired_metric_attribution(config: PipelineConfig) -> Iterator[Desired]:
    """The configured metric attribution (at most one), in the dataset group."""
    attribution = config.metric_attribution
    if attribution is None:
        return
    group, name = group_key(config), attribution.name
    output, role, metrics = (
        config.attribution_output(),
        config.role_arn,
        as_metrics(attribution.metrics),
    )
    yield Desired(
        "metric-attribution",
        name,
        lambda arns: wanted_metric_attribution(arns[group], name, output, role),
        parent=group,
        ensure=lambda arns: ensure_metric_attribution(
            config.aws, arns[group], name, metrics, output, role
        ),
        slot=("metric_attribution", None),
    )
