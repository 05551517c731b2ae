"""The metrics gate: may a new solution version replace the one the campaign serves?

A solution's ``gate`` (``GateConfig`` in the pipeline configuration) holds three kinds of rule,
each checked on the offline metrics that GetSolutionMetrics reports:

- ``min``: absolute floors, ``new >= floor``;
- ``max_drop``: the largest allowed drop against the version the campaign serves now, either
  ``absolute`` (``serving - new <= limit``) or ``relative`` (``(serving - new) / serving <=
  limit``), as ``max_drop_mode`` says; skipped (and shown as skipped) when nothing serves yet;
- ``baseline_solution`` + ``baseline_margin``: the new version must beat that solution's
  version (e.g. a popularity-count baseline trained on the same data) by the margin, in
  ``max_drop_mode`` units, on every metric the gate names (every metric both report if none).

GetSolutionMetrics measures each version on its own random 10% of users, so those rules compare
numbers taken on different users. ``holdout`` adds the paired rule (non-inferiority): the new
and the serving version recommend for the same held-out users (``tasks.paired``), and the new
one passes when the lower confidence bound of ``new / serving - 1`` on the chosen metric is
above ``-max_drop``; with a baseline, the lower bound of its lead over the baseline must reach
``baseline_margin``. When there is no comparison (nothing serving, the holdout cannot be
guaranteed unseen, an empty holdout) the row says why and is skipped: the metric rules decide.
When there is one, it replaces the ``max_drop`` rules (two samples of 10% of users differ by
more than the drops worth stopping); floors and the baseline margin still apply.

:func:`evaluate_gate` is pure: policy + metrics -> :class:`GateDecision`, one row per rule
(metric, serving, new, change, rule, pass/fail). :func:`publish_gate_decision` is the Prefect
task that publishes that table as an artifact.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from prefect.artifacts import create_table_artifact

from tasks.config import GateConfig, HoldoutGateConfig
from tasks.paired import HoldoutComparison, PairedDifference
from tasks.reporting import artifact_key
from tasks.retries import personalize_task

DropMode = Literal["absolute", "relative"]
Outcome = Literal["pass", "fail", "skipped"]


@dataclass(frozen=True)
class GateRow:
    """One rule checked on one metric."""

    metric: str
    rule: str
    new: float | None
    serving: float | None
    outcome: Outcome
    reference: float | None = None
    note: str = ""

    @property
    def change(self) -> float | None:
        """``new - serving`` when both are known."""
        if self.new is None or self.serving is None:
            return None
        return self.new - self.serving

    def as_table_row(self) -> dict[str, str]:
        """The row as the artifact shows it."""
        return {
            "metric": self.metric,
            "serving": _fmt(self.serving),
            "new": _fmt(self.new),
            "change": _fmt(self.change, signed=True),
            "rule": self.rule,
            "result": self.outcome + (f" ({self.note})" if self.note else ""),
        }


@dataclass(frozen=True)
class GateDecision:
    """The gate's verdict on one new solution version."""

    solution: str
    new_version: str | None
    serving_version: str | None
    rows: tuple[GateRow, ...] = field(default_factory=tuple)
    holdout: HoldoutComparison | None = None

    @property
    def passed(self) -> bool:
        """True when no rule failed (skipped rules do not count)."""
        return not self.failures

    @property
    def failures(self) -> tuple[GateRow, ...]:
        """The rules that failed."""
        return tuple(row for row in self.rows if row.outcome == "fail")

    def table(self) -> list[dict[str, str]]:
        """The decision as table rows (metric, serving, new, change, rule, result)."""
        return [row.as_table_row() for row in self.rows]

    def summary(self) -> str:
        """One sentence a person can read in a log or a final state's message."""
        if self.passed:
            checked = sum(row.outcome == "pass" for row in self.rows)
            return f"gate passed for {self.solution}: {checked} rule(s) met"
        reasons = "; ".join(f"{row.metric} {row.rule} ({row.note})" for row in self.failures)
        return f"stopped by the gate for {self.solution}: {reasons}"

    def to_dict(self) -> dict[str, Any]:
        """Plain data for lineage artifacts and flow results."""
        return {
            "solution": self.solution,
            "new_version": self.new_version,
            "serving_version": self.serving_version,
            "passed": self.passed,
            "rows": self.table(),
            "holdout": self.holdout.to_dict() if self.holdout else None,
        }


def evaluate_gate(
    policy: GateConfig | None,
    new: Mapping[str, float],
    serving: Mapping[str, float] | None = None,
    baseline: Mapping[str, float] | None = None,
    *,
    solution: str = "",
    new_version: str | None = None,
    serving_version: str | None = None,
    holdout: HoldoutComparison | None = None,
) -> GateDecision:
    """Check every rule of ``policy`` on the new version's metrics.

    ``serving`` is None when no campaign serves a version yet (drop rules are then skipped);
    ``baseline`` is the baseline solution's metrics, None when the policy names no baseline.
    A policy of None (no gate configured) passes with no rows. A metric the new version does
    not report fails its rule: a gate never passes on missing evidence. ``holdout`` is the
    paired comparison on held-out interactions, None when none was made.
    """
    rows: list[GateRow] = []
    if policy is not None:
        mode: DropMode = policy.max_drop_mode
        rows += [_floor_row(metric, floor, new, serving) for metric, floor in policy.min.items()]
        paired = _paired(policy, holdout)
        rows += [
            _drop_row(metric, limit, mode, new, serving)
            if paired is None
            else GateRow(
                metric,
                f"drop <= {_fmt_limit(limit, mode)} vs serving",
                _value(new, metric),
                _value(serving, metric),
                "skipped",
                None,
                "the holdout comparison decides",
            )
            for metric, limit in policy.max_drop.items()
        ]
        if policy.baseline_solution:
            rows += _baseline_rows(policy, mode, new, serving, baseline)
        if policy.holdout is not None:
            rows += _holdout_rows(policy, policy.holdout, holdout)
    return GateDecision(solution, new_version, serving_version, tuple(rows), holdout)


def _value(metrics: Mapping[str, float] | None, metric: str) -> float | None:
    if metrics is None or metric not in metrics:
        return None
    value = float(metrics[metric])
    return None if math.isnan(value) else value


def _floor_row(
    metric: str, floor: float, new: Mapping[str, float], serving: Mapping[str, float] | None
) -> GateRow:
    value = _value(new, metric)
    rule = f">= {_fmt(floor)}"
    if value is None:
        return GateRow(metric, rule, None, _value(serving, metric), "fail", floor, "not reported")
    outcome: Outcome = "pass" if value >= floor else "fail"
    note = "" if outcome == "pass" else f"{_fmt(value)} is below the floor {_fmt(floor)}"
    return GateRow(metric, rule, value, _value(serving, metric), outcome, floor, note)


def _drop_row(
    metric: str,
    limit: float,
    mode: DropMode,
    new: Mapping[str, float],
    serving: Mapping[str, float] | None,
) -> GateRow:
    rule = f"drop <= {_fmt_limit(limit, mode)} vs serving"
    value, current = _value(new, metric), _value(serving, metric)
    if serving is None:
        return GateRow(metric, rule, value, None, "skipped", None, "no version serving yet")
    if value is None:
        return GateRow(metric, rule, None, current, "fail", current, "not reported")
    if current is None:
        return GateRow(
            metric, rule, value, None, "skipped", None, "serving version does not report it"
        )
    drop = _shortfall(value, current, mode)
    if drop <= limit + 1e-12:
        return GateRow(metric, rule, value, current, "pass", current)
    note = f"dropped {_fmt_limit(drop, mode)}, more than {_fmt_limit(limit, mode)}"
    return GateRow(metric, rule, value, current, "fail", current, note)


def _baseline_rows(
    policy: GateConfig,
    mode: DropMode,
    new: Mapping[str, float],
    serving: Mapping[str, float] | None,
    baseline: Mapping[str, float] | None,
) -> list[GateRow]:
    margin = _fmt_limit(float(policy.baseline_margin), mode)
    name = policy.baseline_solution
    if baseline is None:
        rule = f"beats {name} by >= {margin}"
        return [GateRow("*", rule, None, None, "fail", None, f"no metrics for {name}")]
    named = list(dict.fromkeys([*policy.min, *policy.max_drop]))
    return [
        _baseline_row(metric, name, margin, policy, mode, new, serving, baseline)
        for metric in named or sorted(set(new) & set(baseline))
    ]


def _baseline_row(
    metric: str,
    name: str | None,
    margin: str,
    policy: GateConfig,
    mode: DropMode,
    new: Mapping[str, float],
    serving: Mapping[str, float] | None,
    baseline: Mapping[str, float],
) -> GateRow:
    value, reference = _value(new, metric), _value(baseline, metric)
    current = _value(serving, metric)
    rule = f"beats {name} ({_fmt(reference)}) by >= {margin}"
    if value is None or reference is None:
        note = f"{'new version' if value is None else 'baseline'} does not report it"
        return GateRow(metric, rule, value, current, "fail", reference, note)
    gain = -_shortfall(value, reference, mode)
    if gain + 1e-12 >= policy.baseline_margin:
        return GateRow(metric, rule, value, current, "pass", reference)
    note = f"ahead by only {_fmt_limit(gain, mode)}"
    return GateRow(metric, rule, value, current, "fail", reference, note)


def _paired(policy: GateConfig, holdout: HoldoutComparison | None) -> PairedDifference | None:
    """The gated metric's paired difference, when the policy asks for one and there is one."""
    if policy.holdout is None or holdout is None or holdout.unavailable:
        return None
    return holdout.serving.get(policy.holdout.metric)


def _holdout_rows(
    policy: GateConfig, settings: HoldoutGateConfig, holdout: HoldoutComparison | None
) -> list[GateRow]:
    """The paired rules: non-inferiority to the serving version, lead over the baseline."""
    metric = settings.metric
    rule = (
        f"holdout: lower bound of new/serving - 1 > -{settings.max_drop:.1%} "
        f"({settings.confidence:.0%})"
    )
    versus = _paired(policy, holdout)
    if holdout is None or versus is None:
        why = holdout.unavailable if holdout and holdout.unavailable else "no comparison made"
        return [GateRow(metric, rule, None, None, "skipped", None, f"{why}; metric rules decide")]
    passed = versus.relative_low > -settings.max_drop
    rows = [_paired_row(f"{metric} ({holdout.users} users)", rule, versus, passed)]
    if policy.baseline_solution and metric in holdout.baseline:
        lead = holdout.baseline[metric]
        mode: DropMode = policy.max_drop_mode
        margin = policy.baseline_margin
        low = lead.relative_low if mode == "relative" else lead.difference_low
        rule = f"holdout: beats {policy.baseline_solution} by >= {_fmt_limit(margin, mode)}"
        rows.append(_paired_row(f"{metric} (holdout, baseline)", rule, lead, low + 1e-12 >= margin))
    return rows


def _paired_row(metric: str, rule: str, d: PairedDifference, passed: bool) -> GateRow:
    """A paired rule's row: both means, and the relative change with its interval."""
    note = f"{d.relative:+.1%} [{d.relative_low:+.1%}, {d.relative_high:+.1%}], {d.verdict}"
    return GateRow(metric, rule, d.new, d.serving, "pass" if passed else "fail", d.serving, note)


def _shortfall(value: float, reference: float, mode: DropMode) -> float:
    """How far ``value`` falls below ``reference``: absolute, or relative to the reference."""
    drop = reference - value
    if mode == "absolute":
        return drop
    if reference == 0:
        return 0.0 if drop <= 0 else math.inf
    return drop / abs(reference)


def _fmt(value: float | None, signed: bool = False) -> str:
    if value is None:
        return "-"
    return f"{value:+.4f}" if signed else f"{value:.4f}"


def _fmt_limit(value: float, mode: DropMode) -> str:
    if math.isinf(value):
        return "inf"
    return f"{value:.1%}" if mode == "relative" else f"{value:.4f}"


@personalize_task(name="publish-gate-decision")
def publish_gate_decision(decision: GateDecision) -> str:
    """Publish the decision as a table artifact; return the summary sentence."""
    create_table_artifact(
        table=decision.table(),
        key=artifact_key("gate", decision.solution),
        description=(
            f"## Gate for {decision.solution}\n\n{decision.summary()}\n\n"
            f"- new version: `{decision.new_version}`\n"
            f"- serving version: `{decision.serving_version or 'none'}`"
        ),
    )
    return decision.summary()
