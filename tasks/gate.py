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

The gate knows what it cannot tell: every paired row gives the smallest drop it can detect
(the interval's half-width). When that is wider than ``max_drop`` the row says "too few
held-out users to decide (±Y% at N users)" and ``when_undecided`` decides: the ``max_drop``
rules on GetSolutionMetrics decide with a warning (the default), a person approves, or the
run stops; a version whose whole interval lies below ``-max_drop`` stops in every case. Two
more holdout rows: catalogue coverage of the held-out users' top-25 lists (a relative fall
beyond ``max_coverage_drop`` stops), and the held-out new users (no interactions before the
cutoff) as their own segment, shown, and ruled on when ``new_users_max_drop`` is set.

:func:`evaluate_gate` is pure: policy + metrics -> :class:`GateDecision`, one row per rule
(metric, serving, new, change, rule, pass/fail). :func:`publish_gate_decision` is the Prefect
task that publishes that table as an artifact.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Literal

from prefect.artifacts import create_table_artifact

from tasks.config import GateConfig, HoldoutGateConfig
from tasks.paired import HoldoutComparison, PairedDifference
from tasks.reporting import artifact_key
from tasks.retries import personalize_task

DropMode = Literal["absolute", "relative"]
Outcome = Literal["pass", "fail", "skipped"]
_PLAIN_WHY: dict[str, str] = {"pass": "rule met", "fail": "rule not met", "skipped": "not checked"}


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
        """The row as the artifact shows it: the verdict beside the metric, the figures, why.

        Prefect renders each cell as Markdown, so no cell starts with ``>`` (a blockquote) or
        is a lone ``-`` (a bullet). The verdict cell is one word, so it stays in view; the
        explanation, which can be long, comes last.
        """
        return {
            "metric": self.metric,
            "result": self.outcome,
            "rule": self.rule,
            "serving": _fmt(self.serving),
            "new": _fmt(self.new),
            "change": _fmt(self.change, signed=True),
            "why": self.note or _PLAIN_WHY[self.outcome],
        }


@dataclass(frozen=True)
class GateDecision:
    """The gate's verdict on one new solution version."""

    solution: str
    new_version: str | None
    serving_version: str | None
    rows: tuple[GateRow, ...] = field(default_factory=tuple)
    holdout: HoldoutComparison | None = None
    needs_approval: str = ""
    """Why a person must approve before promotion (an undecided holdout,
    ``when_undecided: approval``), empty when nothing asks for it."""

    @property
    def passed(self) -> bool:
        """True when no rule failed (skipped rules do not count)."""
        return not self.failures

    @property
    def failures(self) -> tuple[GateRow, ...]:
        """The rules that failed."""
        return tuple(row for row in self.rows if row.outcome == "fail")

    def table(self) -> list[dict[str, str]]:
        """The decision as table rows (metric, result, rule, serving, new, change, why)."""
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
            "needs_approval": self.needs_approval,
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
        decides = _decides(policy, holdout)
        rows += [
            _drop_row(metric, limit, mode, new, serving)
            if not decides
            else GateRow(
                metric,
                f"drop of at most {_fmt_limit(limit, mode)} vs serving",
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
    approval = ""
    versus = _paired(policy, holdout) if policy is not None else None
    settings = policy.holdout if policy is not None else None
    if (
        settings
        and versus
        and _undecided(settings, versus)
        and settings.when_undecided == "approval"
    ):
        approval = f"{_too_few(versus)}; gate.holdout.when_undecided: approval"
    return GateDecision(solution, new_version, serving_version, tuple(rows), holdout, approval)


def _value(metrics: Mapping[str, float] | None, metric: str) -> float | None:
    if metrics is None or metric not in metrics:
        return None
    value = float(metrics[metric])
    return None if math.isnan(value) else value


def _floor_row(
    metric: str, floor: float, new: Mapping[str, float], serving: Mapping[str, float] | None
) -> GateRow:
    value = _value(new, metric)
    rule = f"at least {_fmt(floor)}"
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
    rule = f"drop of at most {_fmt_limit(limit, mode)} vs serving"
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
        rule = f"beats {name} by at least {margin}"
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
    rule = f"beats {name} ({_fmt(reference)}) by at least {margin}"
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


def _undecided(settings: HoldoutGateConfig, versus: PairedDifference) -> bool:
    """True when the smallest drop the holdout can detect is wider than ``max_drop``."""
    return versus.half_width > settings.max_drop


def _decides(policy: GateConfig, holdout: HoldoutComparison | None) -> bool:
    """True when the paired comparison replaces the ``max_drop`` rules on GetSolutionMetrics:
    there is one, and it can tell a drop of ``max_drop`` (or ``when_undecided`` is stop)."""
    versus = _paired(policy, holdout)
    if versus is None or policy.holdout is None:
        return False
    return not _undecided(policy.holdout, versus) or policy.holdout.when_undecided == "stop"


def _too_few(versus: PairedDifference) -> str:
    """What the table says when the holdout cannot tell a drop of ``max_drop``."""
    return f"too few held-out users to decide (±{versus.half_width:.1%} at {versus.users:,} users)"


def _holdout_rows(
    policy: GateConfig, settings: HoldoutGateConfig, holdout: HoldoutComparison | None
) -> list[GateRow]:
    """The paired rules: non-inferiority to the serving version, catalogue coverage, the new
    users' segment, and the lead over the baseline."""
    metric = settings.metric
    rule = (
        f"holdout: lower bound of new/serving - 1 above -{settings.max_drop:.1%} "
        f"({settings.confidence:.0%})"
    )
    versus = _paired(policy, holdout)
    if holdout is None or versus is None:
        why = holdout.unavailable if holdout and holdout.unavailable else "no comparison made"
        return [GateRow(metric, rule, None, None, "skipped", None, f"{why}; metric rules decide")]
    label = f"{metric} ({holdout.users} users)"
    if not _undecided(settings, versus):
        passed = versus.relative_low > -settings.max_drop
        rows = [_paired_row(label, rule, versus, passed)]
    elif versus.relative_high < -settings.max_drop:
        rows = [_paired_row(label, rule, versus, False, f"{_too_few(versus)}, but worse even so")]
    elif settings.when_undecided == "stop":
        why = f"{_too_few(versus)}; gate.holdout.when_undecided: stop"
        rows = [_paired_row(label, rule, versus, False, why)]
    else:
        then = (
            "the metric rules and a person decide"
            if settings.when_undecided == "approval"
            else "the metric rules decide"
        )
        why = f"{_too_few(versus)}; {then} (gate.holdout.when_undecided)"
        rows = [_paired_row(label, rule, versus, None, why)]
    rows += _coverage_rows(settings, holdout)
    rows += _new_user_rows(settings, holdout)
    if policy.baseline_solution and metric in holdout.baseline:
        lead = holdout.baseline[metric]
        mode: DropMode = policy.max_drop_mode
        margin = policy.baseline_margin
        low = lead.relative_low if mode == "relative" else lead.difference_low
        rule = (
            f"holdout: beats {policy.baseline_solution} ({lead.serving:.4f}) by at least "
            f"{_fmt_limit(margin, mode)}"
        )
        row = _paired_row(f"{metric} (holdout, baseline)", rule, lead, low + 1e-12 >= margin)
        rows.append(
            replace(row, serving=versus.serving)
        )  # the serving version's, not the baseline's
    return rows


def _coverage_rows(settings: HoldoutGateConfig, holdout: HoldoutComparison) -> list[GateRow]:
    """Catalogue coverage of the held-out users' top-25 lists: a relative fall beyond
    ``max_coverage_drop`` stops."""
    new, serving = holdout.coverage.get("new"), holdout.coverage.get("serving")
    if new is None or serving is None:
        return []
    name = "catalogue coverage (top 25)"
    if settings.max_coverage_drop is None:
        return [GateRow(name, "holdout: shown, no rule", new, serving, "skipped", None, "")]
    limit = settings.max_coverage_drop
    rule = f"holdout: falls by at most {limit:.0%} vs serving"
    fall = 1 - new / serving if serving else 0.0
    if fall <= limit + 1e-12:
        return [GateRow(name, rule, new, serving, "pass", serving)]
    note = f"fell {fall:.0%}, more than {limit:.0%} (gate.holdout.max_coverage_drop)"
    return [GateRow(name, rule, new, serving, "fail", serving, note)]


def _new_user_rows(settings: HoldoutGateConfig, holdout: HoldoutComparison) -> list[GateRow]:
    """The held-out new users as their own segment: shown, ruled on when asked."""
    versus = holdout.new_users.get(settings.metric)
    if versus is None:
        return []
    label = f"{settings.metric} ({holdout.new_user_count} new users)"
    limit = settings.new_users_max_drop
    if limit is None:
        return [_paired_row(label, "holdout, new users: shown, no rule", versus, None)]
    rule = f"holdout, new users: lower bound above -{limit:.1%}"
    return [_paired_row(label, rule, versus, versus.relative_low > -limit)]


def _paired_row(
    metric: str, rule: str, d: PairedDifference, passed: bool | None, why: str = ""
) -> GateRow:
    """A paired rule's row: both means, the relative change with its interval and the smallest
    drop it can detect (``passed`` None: shown, not ruled on)."""
    note = (
        f"{d.relative:+.1%} [{d.relative_low:+.1%}, {d.relative_high:+.1%}], {d.verdict}, "
        f"detects ±{d.half_width:.1%}" + (f"; {why}" if why else "")
    )
    outcome: Outcome = "skipped" if passed is None else "pass" if passed else "fail"
    return GateRow(metric, rule, d.new, d.serving, outcome, d.serving, note)


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
        return "n/a"
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
