"""The lineage of a retraining run: from input data to what the campaign serves.

One markdown artifact per run links the input data (S3 path and ETag, raw and prepared), the
import jobs, each solution version with its metrics, the gate's decision, a person's answer
when one was asked for, the promotion and the campaign's state after the run, so a person can
answer "what is serving, and where did it come from?". It is built at the end of the run from
each solution's outcome (:mod:`flows.outcomes`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from prefect.artifacts import create_markdown_artifact

from flows.outcomes import DatasetAfter, SolutionOutcome
from tasks.costs import cost_markdown
from tasks.reporting import artifact_key

if TYPE_CHECKING:
    from flows.recommenders import RecommenderCheck


@dataclass
class DataLineage:
    """One dataset's input for this run."""

    dataset_type: str
    source_uri: str
    source_etag: str | None
    import_uri: str
    import_etag: str | None
    import_job: str
    import_mode: str
    rows: int | None = None
    time_start: int | None = None
    time_end: int | None = None
    holdout: dict[str, Any] | None = None
    reused: bool = False
    """The import was not run again: the dataset's latest import read the same content."""


@dataclass
class SolutionLineage:
    """One solution's training and what came of it."""

    solution: str
    solution_version: str
    metrics: dict[str, float]
    outcome: str = "trained"
    gate: dict[str, Any] | None = None
    approval: dict[str, Any] | None = None
    promotion: dict[str, Any] | None = None
    campaign: dict[str, Any] | None = None
    batch: dict[str, Any] | None = None

    @classmethod
    def of(cls, outcome: SolutionOutcome) -> SolutionLineage:
        """The record of one solution's outcome."""
        trained = outcome.trained
        return cls(
            trained.name,
            trained.version,
            trained.metrics,
            outcome.status,
            outcome.gate.to_dict() if outcome.gate else None,
            outcome.approval.model_dump() if outcome.approval else None,
            outcome.promotion.as_dict() if outcome.promotion else None,
            outcome.promotion.state if outcome.promotion else None,
            outcome.batch,
        )


@dataclass
class Lineage:
    """Everything one retraining run used and produced."""

    flow_run: str
    data: list[DataLineage] = field(default_factory=list)
    solutions: list[SolutionLineage] = field(default_factory=list)
    recommenders: list[RecommenderCheck] = field(default_factory=list)
    history: dict[str, str] = field(default_factory=dict)
    """Per solution, where its metrics history (chart and table) is."""
    after: list[DatasetAfter] = field(default_factory=list)
    """What became of each dataset's data when the run ended (accepted, restored...)."""
    costs: dict[str, Any] | None = None
    """What the run made AWS bill (:class:`tasks.costs.CostRecord` as plain data)."""

    @classmethod
    def of(
        cls, flow_run: str, data: Sequence[DataLineage], outcomes: Sequence[SolutionOutcome]
    ) -> Lineage:
        """The lineage of a run: its data, and each solution's outcome."""
        return cls(flow_run, list(data), [SolutionLineage.of(outcome) for outcome in outcomes])

    def as_dict(self) -> dict[str, Any]:
        """Plain data, for the flow's result."""
        return asdict(self)

    def markdown(self) -> str:
        """The lineage as a markdown document."""
        lines = [f"# Retraining run `{self.flow_run}`", "", "## Input data", ""]
        lines += [
            "| dataset | source (ETag) | prepared file (ETag) | import job | mode | rows | span |"
        ]
        lines += ["|---|---|---|---|---|---|---|"]
        for d in self.data:
            lines.append(
                f"| {d.dataset_type} | `{d.source_uri}` ({d.source_etag or '-'}) | "
                f"`{d.import_uri}` ({d.import_etag or '-'}) | `{d.import_job}` | "
                f"{d.import_mode} | {d.rows if d.rows is not None else '-'} | "
                f"{_span(d.time_start, d.time_end)} |"
            )
        for d in self.data:
            if d.holdout:
                h = d.holdout
                lines.append(
                    f"\nHeld out for the gate (not imported): {h['rows']} {d.dataset_type} of "
                    f"{h['users']} users after {_iso(h['cutoff'])}, `{h['uri']}`"
                )
        if self.after:
            lines += ["", "## Data after the run", ""]
            for a in self.after:
                lines.append(f"- {a.dataset_type}: **{a.action}**: {a.detail}")
                lines += [f"  - import `{job}`" for job in a.jobs]
        for s in self.solutions:
            lines += ["", f"## {s.solution}", "", f"- solution version: `{s.solution_version}`"]
            lines.append("- metrics: " + _metrics(s.metrics))
            lines.append(f"- outcome: **{s.outcome}**")
            if s.solution in self.history:
                lines.append(f"- metrics history (every version): {self.history[s.solution]}")
            if s.gate is not None:
                verdict = "passed" if s.gate["passed"] else "failed"
                lines.append(f"- gate: **{verdict}** (artifact `gate-{s.solution}`)")
                lines += [
                    f"  - {row['metric']} {row['rule']}: {row['result']}"
                    + (f" ({row['why']})" if row.get("why") else "")
                    for row in s.gate["rows"]
                ]
                if s.gate.get("holdout"):
                    lines.append("- " + _holdout(s.gate["holdout"]))
            if s.approval is not None:
                answer = "approved" if s.approval["approve"] else "refused"
                who = s.approval.get("reviewer") or "someone"
                comment = f": {s.approval['comment']}" if s.approval.get("comment") else ""
                lines.append(f"- approval: **{answer}** by {who}{comment}")
            if s.promotion is not None:
                p = s.promotion
                before = p["previous_version"]
                lines.append(
                    f"- promotion: **{p['outcome']}**; campaign `{p['campaign']}` serves "
                    f"`{p['serving_version']}` "
                    + (f"(before: `{before}`)" if before else "(a new campaign: nothing before)")
                )
                if p.get("message"):
                    lines.append(f"  - {p['message']}")
            if s.campaign is not None:
                c = s.campaign
                lines.append(
                    f"- campaign state: `{c.get('campaignArn')}` {c.get('status')}, serving "
                    f"`{c.get('solutionVersionArn')}`"
                )
            if s.batch is not None:
                lines.append(f"- batch output: `{s.batch.get('parquet')}`")
        if self.costs is not None:
            key = artifact_key("costs", self.costs["dataset_group"])
            lines += ["", f"## Cost (artifact `{key}`)", "", *cost_markdown(self.costs)]
        for r in self.recommenders:
            lines += ["", f"## recommender {r.recommender}", "", f"- `{r.arn}`: {r.status}"]
            lines.append("- modelMetrics: " + _metrics(r.metrics))
            lines.append("- last good reading: " + _metrics(r.previous or {}))
            if r.gate is not None:
                verdict = "passed" if r.gate["passed"] else "failed"
                lines.append(f"- gate: **{verdict}**; action: {r.action}")
        return "\n".join(lines)

    def publish(self, name: str) -> None:
        """Publish the lineage as a markdown artifact (keyed by dataset group)."""
        create_markdown_artifact(
            self.markdown(),
            key=artifact_key("lineage", name),
            description=f"Lineage of retraining run {self.flow_run}",
        )


def _iso(seconds: int | None) -> str:
    if seconds is None:
        return "-"
    return datetime.fromtimestamp(seconds, UTC).isoformat(timespec="seconds")


def _span(start: int | None, end: int | None) -> str:
    return f"{_iso(start)} to {_iso(end)}" if start is not None else "-"


def _holdout(comparison: Mapping[str, Any]) -> str:
    """One line: the paired comparison's users and the gated figures, or why there is none."""
    if comparison["unavailable"]:
        return f"holdout comparison: none ({comparison['unavailable']})"
    parts = [
        f"{d['metric']} {d['relative']:+.1%} [{d['relative_low']:+.1%}, {d['relative_high']:+.1%}]"
        for d in comparison["serving"]
        if d["metric"] in ("normalized_discounted_cumulative_gain_at_10", "precision_at_10")
    ]
    users = comparison["users"]
    return f"holdout comparison on {users} users, new vs serving: " + "; ".join(parts)


def _metrics(metrics: Mapping[str, float]) -> str:
    return ", ".join(f"{name} {value:.4f}" for name, value in sorted(metrics.items())) or "-"
