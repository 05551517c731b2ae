"""After a retrain: the run's cost record, as a table, in the lineage, and month by month.

1. :func:`record_costs` prices what the run made AWS bill (:mod:`tasks.costs`): the versions it
   trained, the files it imported, its batch and segment jobs, the gate's comparison jobs and
   each campaign's provisioned TPS since the previous record (every campaign of the group's
   solutions, configured or not) and each recommender's minimum requests (priced only when the
   table has a recommender price).
2. The record is published as the table artifact ``costs-<dataset group>``, kept in S3, and the
   chart of the group's cost per month (``costs-monthly-<dataset group>``) is redrawn from the
   kept records.
3. A campaign provisioned above 1 TPS is logged with what it costs per month, idle or not.

``review_versions``, ``batch_inference`` and ``batch_segments`` keep a record the same way (their
jobs, and what AWS billed since the previous record), so the months add up.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from prefect.artifacts import create_markdown_artifact, create_table_artifact

from flows.lineage import DataLineage
from flows.outcomes import SolutionOutcome
from tasks.charts import bars, image
from tasks.config import PipelineConfig
from tasks.cost_settings import Prices
from tasks.costs import (
    CostLine,
    CostRecord,
    batch_line,
    between_runs_lines,
    campaign_lines,
    first_record_at,
    import_line,
    last_record_at,
    monthly_totals,
    recommender_lines,
    region_prices,
    save_record,
    saved_records,
    settled_versions,
    training_line,
    versions_since,
)
from tasks.reporting import artifact_key, run_logger


def record_costs(
    config: PipelineConfig,
    flow_run: str,
    started: datetime,
    data: Sequence[DataLineage],
    outcomes: Sequence[SolutionOutcome],
    versions: Sequence[str] = (),
    jobs: Sequence[Mapping[str, Any]] = (),
) -> CostRecord:
    """Price what this run made AWS bill (``versions``: trainings not among the outcomes;
    ``jobs``: batch or segment jobs run outside any outcome); publish, keep and chart it."""
    aws, group = config.aws, config.dataset_group.name
    region, prices = region_prices(aws, config.costs)
    kept = saved_records(config.bucket, group)
    record = CostRecord(group, flow_run, datetime.now(UTC).isoformat(), region)
    record.lines += [import_line(prices, d.dataset_type, d.import_uri, d.reused) for d in data]
    settled = settled_versions(kept)
    for outcome in outcomes:
        record.lines.append(training_line(aws, prices, outcome.trained.version, started, settled))
        record.lines += _comparison_lines(prices, outcome)
        record.lines += _job_lines(prices, outcome.batch or {})
    record.lines += [line for job in jobs for line in _job_lines(prices, job)]
    record.lines += [training_line(aws, prices, v, started, settled) for v in versions]
    own = {line.subject for line in record.lines if line.item == "training"}
    first = first_record_at(kept) or started
    record.lines += between_runs_lines(aws, prices, group, first, settled | own)
    since = last_record_at(kept) or started
    record.lines += campaign_lines(aws, prices, group, since)
    record.lines += recommender_lines(aws, prices, group, since)
    for line in record.lines:
        if line.item == "campaign" and "even when idle" in line.note:
            run_logger().warning("campaign %s: %s", line.subject, line.note)
    save_record(config.bucket, record)
    create_table_artifact(
        record.rows(),
        key=artifact_key("costs", group),
        description=f"What retrain run {flow_run} made AWS bill, at the configured prices",
    )
    publish_monthly_chart(group, [*kept, record.as_dict()])
    run_logger().info(
        "Cost of this run: $%.2f (%.4g training hours)", record.total, record.training_hours()
    )
    return record


def record_failed_run(
    config: PipelineConfig,
    flow_run: str,
    started: datetime,
    data: Sequence[DataLineage],
    solution_arns: Sequence[str],
) -> None:
    """The cost record of a run that failed after its imports: the imports, and the versions of
    these solutions created since it started (AWS bills them whatever failed later). A failure
    to record is logged, never raised over the run's own error."""
    try:
        versions = versions_since(config.aws, solution_arns, started)
        record_costs(config, flow_run, started, data, [], versions)
    except Exception as error:  # the run's own failure is what its state must say
        run_logger().warning("This failed run has no cost record: %s", error)


def _comparison_lines(prices: Prices, outcome: SolutionOutcome) -> list[CostLine]:
    """The gate's comparison jobs of one solution's outcome."""
    comparison = outcome.gate.holdout if outcome.gate is not None else None
    if comparison is None or comparison.unavailable or not comparison.users:
        return []
    jobs = 1 + bool(comparison.serving) + bool(comparison.baseline)
    return [batch_line(prices, "gate comparison", outcome.trained.name, comparison.users, jobs)]


def _job_lines(prices: Prices, batch: Mapping[str, Any]) -> list[CostLine]:
    """A batch inference or segment job, as ``refresh_batch`` or ``refresh_segments`` returns
    it (none for next best actions, which a campaign serves)."""
    if "job" in batch and "users_requested" in batch:
        return [batch_line(prices, "batch inference", batch["job"], batch["users_requested"])]
    if "job" in batch and "segments" in batch:
        segments = batch["segments"]
        return [batch_line(prices, "batch segments", batch["job"], segments, of="queries")]
    return []


def publish_monthly_chart(group: str, records: Sequence[dict[str, object]]) -> None:
    """The dataset group's estimated cost per month, a bar per month, and its table."""
    months = monthly_totals(records)
    totals = {month: round(sum(items.values()), 2) for month, items in months.items()}
    lines = [
        f"# Estimated Personalize cost of `{group}` per month",
        "",
        image(bars(f"{group}: USD per month", "USD", totals), "cost per month"),
        "",
        "| month | " + " | ".join(_items(months)) + " | total |",
        "|---|" + "---|" * (len(_items(months)) + 1),
    ]
    for month, items in months.items():
        cells = [f"{items.get(item, 0.0):.2f}" for item in _items(months)]
        lines.append(f"| {month} | " + " | ".join(cells) + f" | {totals[month]:.2f} |")
    create_markdown_artifact(
        "\n".join(lines),
        key=artifact_key("costs-monthly", group),
        description=f"Estimated cost of {group} per month, from each run's cost record",
    )


def _items(months: dict[str, dict[str, float]]) -> list[str]:
    return sorted({item for items in months.values() for item in items})
