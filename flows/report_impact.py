"""``report_impact``: the business metrics recommendations earned, per campaign version, per day.

1. The configuration's metric attribution (``metric_attribution``; ``provision`` creates it)
   writes a report to S3 as interactions arrive: per 15-minute window, source and metric.
2. This flow (scheduled daily) reads it and adds it up per day and per source: a campaign's
   solution version, a recommender, a named source, or SOURCE_NAME_UNDEFINED.
3. It publishes a table per source and version (days seen, total, per day, and the version's
   offline metrics, the evidence its gate judged, from GetSolutionMetrics) and a markdown table
   of each metric per day, so that a promotion's effect on business metrics shows after the
   fact beside the gate's offline verdict; the retrain lineage names the same versions.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
from prefect import flow
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from pydantic import Field

from flows.configured import DEFAULT_CONFIG
from tasks.config import load_config
from tasks.metric_attributions import read_impact_report
from tasks.metrics import get_solution_metrics
from tasks.reporting import artifact_key, run_logger
from tasks.resources import find_arn

SECONDS_PER_DAY = 86_400
OFFLINE = ("normalized_discounted_cumulative_gain_at_10", "precision_at_10")


def daily_impact(report: pd.DataFrame, days: int | None = None) -> pd.DataFrame:
    """The report added up per day, source, version and metric (the last ``days`` days only)."""
    if report.empty:
        return pd.DataFrame(columns=["day", "source", "version", "metric", "value"])
    frame = report.assign(
        day=pd.to_datetime(
            report["windowStart"] // SECONDS_PER_DAY * SECONDS_PER_DAY, unit="s"
        ).dt.strftime("%Y-%m-%d"),
        version=report["solutionVersionArn"].fillna("").replace("nan", ""),
    )
    if days is not None:
        newest = int(report["windowStart"].max())
        frame = frame[frame["windowStart"] > newest - days * SECONDS_PER_DAY]
    grouped = frame.groupby(["day", "eventAttributionSource", "version", "metricName"])
    daily = grouped["value"].sum().reset_index()
    return daily.rename(columns={"eventAttributionSource": "source", "metricName": "metric"})


def by_version(daily: pd.DataFrame, offline: dict[str, dict[str, float]]) -> list[dict[str, Any]]:
    """One row per source, version and metric: days seen, total, per day, offline metrics."""
    rows: list[dict[str, Any]] = []
    for (source, version, metric), part in daily.groupby(["source", "version", "metric"]):
        total = float(part["value"].sum())
        row: dict[str, Any] = {
            "source": str(source).rsplit("/", 1)[-1],
            "version": str(version).rsplit("/", 1)[-1] or "-",
            "metric": metric,
            "first day": part["day"].min(),
            "last day": part["day"].max(),
            "days": int(part["day"].nunique()),
            "total": round(total, 4),
            "per day": round(total / max(part["day"].nunique(), 1), 4),
        }
        for name in OFFLINE:
            value = offline.get(str(version), {}).get(name)
            row[f"offline {name}"] = "-" if value is None else round(value, 4)
        rows.append(row)
    return rows


def per_day_markdown(daily: pd.DataFrame) -> str:
    """Each metric as a table of days (rows) by source and version (columns)."""
    parts = ["# Attributed metrics per day", ""]
    for metric, part in daily.groupby("metric"):
        label = part["source"].str.rsplit("/", n=1).str[-1] + (
            part["version"].str.rsplit("/", n=1).str[-1].map(lambda v: f" @ {v}" if v else "")
        )
        table = part.assign(column=label).pivot_table(
            index="day", columns="column", values="value", aggfunc="sum", fill_value=0
        )
        parts += [f"## {metric}", "", *_markdown_table(table), ""]
    return "\n".join(parts)


def _markdown_table(table: pd.DataFrame) -> list[str]:
    header = ["day", *map(str, table.columns)]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for day, values in table.iterrows():
        cells = [str(day), *(f"{float(v):.4g}" for v in values)]
        lines.append("| " + " | ".join(cells) + " |")
    return lines


@flow(name="report-impact", log_prints=True)
def report_impact(
    config_path: str = Field(DEFAULT_CONFIG, description="The pipeline configuration (YAML)."),
    days: int | None = Field(
        None, description="Only the last N days of the report (default: all of it)."
    ),
) -> dict[str, Any]:
    """Publish what recommendations earned per campaign version and day, beside offline metrics."""
    config = load_config(config_path)
    settings = config.metric_attribution
    if settings is None:
        run_logger().info("No metric_attribution in %s: nothing to report", config_path)
        return {"rows": []}
    aws = config.aws
    group = find_arn(aws, "dataset-group", config.dataset_group.name)
    arn = find_arn(aws, "metric-attribution", settings.name, group) if group else None
    if arn is None:
        raise ValueError(f"metric attribution {settings.name} does not exist; run provision")
    daily = daily_impact(read_impact_report(aws, arn), days)
    versions = sorted({v for v in daily["version"] if v and ":solution/" in v})
    offline = {version: get_solution_metrics(aws, version) for version in versions}
    rows = by_version(daily, offline)
    name = config.dataset_group.name
    create_table_artifact(
        rows or [{"source": "-", "metric": "nothing attributed yet"}],
        key=artifact_key("impact", name),
        description=f"Business metrics attributed per source and version ({settings.name})",
    )
    create_markdown_artifact(
        per_day_markdown(daily), key=artifact_key("impact-daily", name),
        description=f"Attributed metrics per day ({settings.name})",
    )  # fmt: skip
    return {"rows": rows, "days": sorted(set(daily["day"]))}
