"""Watching recommenders after an import: AWS retrains them, the pipeline gates what it can.

1. A recommender's models are trained and deployed by AWS on its own schedule (every 7 days,
   and on some configuration updates), so no gate can stand between a new model and its users.
   What a run can do is read the recommender's ``modelMetrics`` now, after it has imported fresh
   data (which the next automatic retraining uses).
2. The reading is gated like a solution version: ``min`` floors on the reading, ``max_drop``
   against the last reading that passed (kept in S3, one JSON line per run). A reading equal to
   the last one means AWS has not retrained since; it is still checked against the floors.
3. A failed reading is reported (a table artifact and the run's failure message, which the
   notification automation sends) and, as configured (``on_degraded``), the recommender is
   stopped (it then serves nothing: clients fall back) or its configuration rolled back to the
   one of the last good reading (which retrains it). ``alert`` only reports.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from prefect.artifacts import create_table_artifact

from tasks.config import PipelineConfig, RecommenderConfig
from tasks.dataset_imports import finished_imports
from tasks.gate import GateDecision, evaluate_gate
from tasks.recommenders import (
    desired_recommenders,
    load_readings,
    read_recommender,
    save_reading,
    stop_recommender,
    update_recommender,
)
from tasks.reporting import artifact_key, run_logger

if TYPE_CHECKING:
    from flows.configured import Resources


@dataclass
class RecommenderCheck:
    """One recommender's reading in this run and what came of it."""

    recommender: str
    arn: str
    status: str
    metrics: dict[str, float] = field(default_factory=dict)
    previous: dict[str, float] | None = None
    retrained_since_last_reading: bool | None = None
    gate: dict[str, Any] | None = None
    action: str = "none"
    problem: str | None = None


def readings_uri(config: PipelineConfig, name: str) -> str:
    """Where the readings of one recommender are kept."""
    return f"s3://{config.bucket}/recommenders/{config.dataset_group.name}/{name}/readings.jsonl"


def ensure_recommenders(
    config: PipelineConfig, group_arn: str, datasets: Mapping[str, str]
) -> dict[str, str]:
    """Find or create the configured recommenders once the interactions are imported.

    A recommender trains as soon as it is created, so on an empty dataset group it would fail;
    until the first import they are left for the retraining run to create.
    """
    if not config.recommenders:
        return {}
    if not finished_imports(config.aws, datasets["interactions"]):
        run_logger().info(
            "No interactions imported yet: the recommenders %s are created after the first "
            "import (retrain).",
            ", ".join(r.name for r in config.recommenders),
        )
        return {}
    pending = {
        desired.name: desired.ensure({desired.parent: group_arn})
        for desired in desired_recommenders(config)
        if desired.ensure and desired.parent
    }
    return {name: future.result() for name, future in pending.items()}


def check_recommenders(config: PipelineConfig, resources: Resources) -> list[RecommenderCheck]:
    """Ensure the recommenders, then read, gate and (as configured) act on each."""
    resources.recommenders = ensure_recommenders(
        config, resources.dataset_group, resources.datasets
    )
    return [
        check_recommender(config, settings, resources.recommenders[settings.name])
        for settings in config.recommenders
    ]


def check_recommender(
    config: PipelineConfig, settings: RecommenderConfig, arn: str
) -> RecommenderCheck:
    """Gate one recommender's current modelMetrics against floors and its last good reading."""
    live = read_recommender(config.aws, arn)
    check = RecommenderCheck(settings.name, arn, live["status"])
    if live["status"] != "ACTIVE":
        check.problem = f"recommender {settings.name} is {live['status']}: it serves nothing"
        run_logger().warning(check.problem)
        return check
    uri = readings_uri(config, settings.name)
    readings = load_readings(uri)
    good = [r for r in readings if r.get("passed")]
    last_good = good[-1] if good else None
    check.metrics = {k: float(v) for k, v in live.get("modelMetrics", {}).items()}
    check.previous = last_good["metrics"] if last_good else None
    if readings:
        check.retrained_since_last_reading = readings[-1]["metrics"] != check.metrics
    decision = evaluate_gate(
        settings.gate,
        check.metrics,
        serving=check.previous,
        solution=f"recommender-{settings.name}",
        new_version=f"modelMetrics now ({_stamp(None)})",
        serving_version=f"last good reading ({_stamp(last_good)})" if last_good else None,
    )
    check.gate = decision.to_dict()
    _publish(settings.name, decision, check)
    save_reading(
        uri,
        readings,
        {
            "metrics": check.metrics,
            "passed": decision.passed,
            "recommenderConfig": live.get("recommenderConfig", {}),
        },
    )
    if not decision.passed:
        check.action = _react(config, settings, arn, last_good, decision)
        check.problem = f"{_summary(settings.name, decision)}; {check.action}"
        run_logger().warning(check.problem)
    return check


def _react(
    config: PipelineConfig,
    settings: RecommenderConfig,
    arn: str,
    last_good: dict[str, Any] | None,
    decision: GateDecision,
) -> str:
    """Carry out ``on_degraded``; say what was done."""
    reason = _summary(settings.name, decision)
    if settings.on_degraded == "stop":
        stop_recommender(config.aws, arn, reason)
        return "stopped it (INACTIVE: it serves nothing until started again)"
    if settings.on_degraded == "rollback":
        previous = (last_good or {}).get("recommenderConfig")
        current = read_recommender(config.aws, arn).get("recommenderConfig", {})
        if not previous or previous == current:
            return "alerted (no earlier configuration to roll back to)"
        update_recommender(config.aws, arn, previous)
        return f"rolled its configuration back to {previous}"
    return "alerted"


def _summary(name: str, decision: GateDecision) -> str:
    reasons = "; ".join(f"{row.metric} {row.rule} ({row.note})" for row in decision.failures)
    return f"recommender {name} degraded: {reasons}"


def _publish(name: str, decision: GateDecision, check: RecommenderCheck) -> None:
    verdict = "passed" if decision.passed else _summary(name, decision)
    retrained = {
        None: "first reading",
        True: "AWS retrained it since the last reading",
        False: "not retrained since the last reading",
    }[check.retrained_since_last_reading]
    create_table_artifact(
        table=decision.table(),
        key=artifact_key("gate", "recommender", name),
        description=(
            f"## Recommender {name}: modelMetrics gate\n\n{verdict} ({retrained}).\n\n"
            "AWS deploys the models it retrains; this gate can only report a degraded one "
            "after the fact and stop it or roll its configuration back."
        ),
    )


def _stamp(reading: dict[str, Any] | None) -> str:
    moment = datetime.fromtimestamp(reading["time"], UTC) if reading else datetime.now(UTC)
    return moment.strftime("%Y-%m-%d %H:%M UTC")
