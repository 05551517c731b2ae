"""A solution's metrics history: every version's offline metrics and verdicts, over time.

1. At the end of a retrain, :func:`record_outcome` tags the new solution version with what the
   run decided (``prefect-personalize:outcome`` promoted / stopped by the gate / ..., and
   ``prefect-personalize:gate`` passed / stopped), so the verdict lives with the version in
   AWS, beside its metrics, whichever Prefect server ran it.
2. :func:`metrics_history` reads the history back from AWS: ListSolutionVersions, then for the
   newest ``HISTORY_VERSIONS`` ACTIVE versions GetSolutionMetrics and ListTagsForResource.
3. :func:`publish_metrics_history` publishes it as one markdown artifact per solution (key
   ``metrics-history-<solution>``): first what decided, each version's paired difference with
   the one serving then, with its interval, against the ``-max_drop`` line (kept on the version
   as a tag, ``prefect-personalize:holdout``); then GetSolutionMetrics (one panel per metric,
   axes from zero, a point per version, green when promoted, red when stopped by the gate) and
   the same figures as a table. The retrain's lineage links it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from prefect.artifacts import create_markdown_artifact

from tasks.aws import AwsSettings, client
from tasks.charts import Interval, Point, image, intervals, panels
from tasks.errors import translated
from tasks.reporting import artifact_key
from tasks.resources import find_all
from tasks.retries import personalize_task

if TYPE_CHECKING:
    from mypy_boto3_personalize.type_defs import TagTypeDef

OUTCOME_TAG = "prefect-personalize:outcome"
GATE_TAG = "prefect-personalize:gate"
HOLDOUT_TAG = "prefect-personalize:holdout"
"""The paired comparison that decided: ``relative low high max_drop users`` (numbers)."""
HISTORY_VERSIONS = 30
CHARTED = (
    "normalized_discounted_cumulative_gain_at_10",
    "precision_at_10",
    "mean_reciprocal_rank_at_25",
    "coverage",
)
KINDS = {"promoted": "good", "stopped by the gate": "bad"}


@dataclass(frozen=True)
class Decided:
    """The gate's paired comparison of a version with the one serving then."""

    relative: float
    low: float
    high: float
    max_drop: float
    users: int

    def tag(self) -> str:
        """The tag value that keeps it with the version."""
        return (
            f"{self.relative:.6g} {self.low:.6g} {self.high:.6g} {self.max_drop:.6g} {self.users}"
        )

    @classmethod
    def from_tag(cls, value: str) -> Decided | None:
        """Read a tag value back (None when it is not one)."""
        try:
            relative, low, high, max_drop, users = value.split()
            return cls(float(relative), float(low), float(high), float(max_drop), int(users))
        except ValueError:
            return None


@dataclass(frozen=True)
class VersionRecord:
    """One solution version in the history."""

    version: str
    created: datetime
    training_mode: str
    metrics: dict[str, float] = field(default_factory=dict)
    outcome: str = ""
    gate: str = ""
    holdout: Decided | None = None

    @property
    def kind(self) -> str:
        """How the chart colours it: good (promoted), bad (stopped), other."""
        return KINDS.get(self.outcome, "other")


@personalize_task()
def record_outcome(
    aws: AwsSettings,
    solution_version_arn: str,
    outcome: str,
    gate_passed: bool | None,
    decided: Decided | None = None,
) -> None:
    """Tag the version with the run's outcome (and the gate's verdict when it was gated, and
    the paired comparison when one was made)."""
    tags: list[TagTypeDef] = [{"tagKey": OUTCOME_TAG, "tagValue": outcome}]
    if gate_passed is not None:
        tags.append({"tagKey": GATE_TAG, "tagValue": "passed" if gate_passed else "stopped"})
    if decided is not None:
        tags.append({"tagKey": HOLDOUT_TAG, "tagValue": decided.tag()})
    personalize = client(aws, "personalize")
    with translated(f"solution version {solution_version_arn}"):
        personalize.tag_resource(resourceArn=solution_version_arn, tags=tags)


@personalize_task()
def metrics_history(aws: AwsSettings, solution_arn: str) -> list[VersionRecord]:
    """The newest ACTIVE versions of a solution, oldest first, with metrics and verdicts."""
    personalize = client(aws, "personalize")
    versions = find_all(personalize, "solution-version", solution_arn)
    active = sorted(
        (v for v in versions if v.get("status") == "ACTIVE"), key=lambda v: v["creationDateTime"]
    )[-HISTORY_VERSIONS:]
    records = []
    for summary in active:
        arn = summary["solutionVersionArn"]
        with translated(f"solution version {arn}"):
            metrics = personalize.get_solution_metrics(solutionVersionArn=arn).get("metrics", {})
            tags = personalize.list_tags_for_resource(resourceArn=arn).get("tags", [])
        tagged = {t["tagKey"]: t["tagValue"] for t in tags}
        records.append(
            VersionRecord(
                arn,
                summary["creationDateTime"],
                str(summary.get("trainingMode", "")),
                {name: float(value) for name, value in metrics.items()},
                tagged.get(OUTCOME_TAG, ""),
                tagged.get(GATE_TAG, ""),
                Decided.from_tag(tagged.get(HOLDOUT_TAG, "")),
            )
        )
    return records


def history_markdown(solution: str, records: list[VersionRecord]) -> str:
    """The history as charts (what decided first) and a table."""
    charted = [m for m in CHARTED if any(m in r.metrics for r in records)]
    series = {m: [Point(r.metrics.get(m, 0.0), r.kind) for r in records] for m in charted}
    labels = [f"{r.created:%Y-%m-%d %H:%M}" for r in records]
    svg = panels(f"{solution}: GetSolutionMetrics per version (axes from zero)", series, labels)
    lines = [
        f"# Metrics history: {solution}",
        "",
        f"{len(records)} trained version(s), oldest first. Points: green promoted, red "
        "stopped by the gate, grey otherwise (trained only, not approved, older runs).",
        "",
        *_decided_chart(solution, records, labels),
        image(svg, f"metrics history of {solution}"),
        "",
        "| trained | version | mode | "
        + " | ".join(_short(m) for m in charted)
        + " | holdout new/serving - 1 | gate | outcome |",
        "|---|---|---|" + "---|" * len(charted) + "---|---|---|",
    ]
    for r in records:
        values = " | ".join(f"{r.metrics[m]:.4f}" if m in r.metrics else "n/a" for m in charted)
        held = r.holdout
        paired = f"{held.relative:+.1%} [{held.low:+.1%}, {held.high:+.1%}]" if held else "n/a"
        lines.append(
            f"| {r.created:%Y-%m-%d %H:%M} | `{r.version.rsplit('/', 1)[-1]}` | "
            f"{r.training_mode or 'n/a'} | {values} | {paired} | {r.gate or 'n/a'} | "
            f"{r.outcome or 'n/a'} |"
        )
    return "\n".join(lines) + "\n"


def _decided_chart(solution: str, records: list[VersionRecord], labels: list[str]) -> list[str]:
    """The paired comparisons that decided, against the newest ``-max_drop``; none without."""
    decided = [r.holdout for r in records]
    newest = next((d for d in reversed(decided) if d is not None), None)
    if newest is None:
        return []
    values = [
        Interval(d.relative, d.low, d.high, r.kind) if d and math.isfinite(d.relative)
        else Interval(None)
        for d, r in zip(decided, records, strict=True)
    ]  # fmt: skip
    svg = intervals(
        f"{solution}: what the gate decided",
        "new/serving - 1 on the same held-out users, with its interval",
        values,
        labels,
        -newest.max_drop,
        f"-{newest.max_drop:.0%}",
    )
    return [
        "The holdout comparison of each version with the one serving then (its interval; "
        f"the dashed line is -max_drop, {newest.max_drop:.1%}): a version passes when its "
        "whole interval lies above it.",
        "",
        image(svg, f"holdout comparisons of {solution}"),
        "",
    ]


def _short(metric: str) -> str:
    """``ndcg@10`` for ``normalized_discounted_cumulative_gain_at_10``."""
    names = {
        "normalized_discounted_cumulative_gain": "ndcg",
        "mean_reciprocal_rank": "mrr",
        "precision": "p",
    }
    base, _, at = metric.rpartition("_at_")
    return f"{names.get(base, base)}@{at}" if base else metric


def history_key(solution: str) -> str:
    """The artifact key of a solution's metrics history."""
    return artifact_key("metrics-history", solution)


@personalize_task()
def publish_metrics_history(aws: AwsSettings, solution: str, solution_arn: str) -> str:
    """Publish the solution's history artifact; returns the artifact's id."""
    records = metrics_history.fn(aws, solution_arn)
    artifact = create_markdown_artifact(
        history_markdown(solution, records),
        key=history_key(solution),
        description=f"Offline metrics and verdicts of every version of {solution}",
    )
    return str(artifact)
