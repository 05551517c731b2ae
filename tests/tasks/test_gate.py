"""The metrics gate: floors, drops against the serving version, margin over a baseline."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from prefect import flow

from tasks.config import GateConfig, HoldoutGateConfig
from tasks.gate import evaluate_gate, publish_gate_decision
from tasks.paired import HoldoutComparison, paired_bootstrap
from tests.artifacts import latest_artifacts, misread_cells

NEW = {
    "precision_at_10": 0.12,
    "coverage": 0.40,
    "normalized_discounted_cumulative_gain_at_10": 0.2,
}


def outcomes(decision) -> list[tuple[str, str]]:
    return [(row.metric, row.outcome) for row in decision.rows]


def test_no_policy_passes_with_no_rows() -> None:
    decision = evaluate_gate(None, NEW, solution="s")
    assert decision.passed
    assert decision.rows == ()


def test_floors_pass_and_fail() -> None:
    policy = GateConfig(min={"precision_at_10": 0.10, "coverage": 0.5})
    decision = evaluate_gate(policy, NEW, solution="s")
    assert outcomes(decision) == [("precision_at_10", "pass"), ("coverage", "fail")]
    assert not decision.passed
    assert "coverage" in decision.summary()
    assert "below the floor 0.5000" in decision.failures[0].note


def test_floor_met_exactly_passes() -> None:
    assert evaluate_gate(GateConfig(min={"coverage": 0.40}), NEW).passed


def test_missing_metric_fails_instead_of_passing() -> None:
    decision = evaluate_gate(GateConfig(min={"precision_at_25": 0.01}), NEW)
    assert outcomes(decision) == [("precision_at_25", "fail")]
    assert decision.failures[0].note == "not reported"


def test_nan_metric_counts_as_missing() -> None:
    decision = evaluate_gate(GateConfig(min={"coverage": 0.1}), {"coverage": math.nan})
    assert not decision.passed


def test_drop_rules_are_skipped_on_first_deploy() -> None:
    policy = GateConfig(max_drop={"precision_at_10": 0.01})
    decision = evaluate_gate(policy, NEW, serving=None)
    assert outcomes(decision) == [("precision_at_10", "skipped")]
    assert decision.passed
    assert decision.rows[0].note == "no version serving yet"


def test_absolute_drop() -> None:
    policy = GateConfig(max_drop={"precision_at_10": 0.01})
    small = evaluate_gate(policy, {"precision_at_10": 0.115}, serving={"precision_at_10": 0.12})
    large = evaluate_gate(policy, {"precision_at_10": 0.10}, serving={"precision_at_10": 0.12})
    assert small.passed
    assert not large.passed
    assert large.rows[0].change == pytest.approx(-0.02)
    assert large.table()[0]["change"] == "-0.0200"


def test_relative_drop() -> None:
    policy = GateConfig(max_drop={"precision_at_10": 0.10}, max_drop_mode="relative")
    serving = {"precision_at_10": 0.20}
    assert evaluate_gate(policy, {"precision_at_10": 0.185}, serving=serving).passed  # -7.5%
    failed = evaluate_gate(policy, {"precision_at_10": 0.17}, serving=serving)  # -15%
    assert not failed.passed
    assert "15.0%" in failed.rows[0].note


def test_relative_drop_from_zero() -> None:
    policy = GateConfig(max_drop={"coverage": 0.1}, max_drop_mode="relative")
    assert evaluate_gate(policy, {"coverage": 0.0}, serving={"coverage": 0.0}).passed


def test_improvement_always_passes_the_drop_rule() -> None:
    policy = GateConfig(max_drop={"precision_at_10": 0.0})
    assert evaluate_gate(policy, {"precision_at_10": 0.3}, serving={"precision_at_10": 0.2}).passed


def test_serving_version_without_the_metric_is_skipped() -> None:
    policy = GateConfig(max_drop={"precision_at_10": 0.01})
    decision = evaluate_gate(policy, NEW, serving={"coverage": 0.3})
    assert outcomes(decision) == [("precision_at_10", "skipped")]


def test_baseline_margin_on_the_named_metrics() -> None:
    policy = GateConfig(
        min={"precision_at_10": 0.0}, baseline_solution="popular", baseline_margin=0.02
    )
    beaten = evaluate_gate(policy, NEW, baseline={"precision_at_10": 0.09, "coverage": 0.9})
    close = evaluate_gate(policy, NEW, baseline={"precision_at_10": 0.11})
    assert outcomes(beaten) == [("precision_at_10", "pass"), ("precision_at_10", "pass")]
    assert beaten.rows[1].reference == 0.09
    assert outcomes(close)[-1] == ("precision_at_10", "fail")
    assert close.rows[-1].rule == "beats popular (0.1100) by at least 0.0200"
    assert close.rows[-1].note == "ahead by only 0.0100"


def test_baseline_relative_margin_on_all_shared_metrics() -> None:
    policy = GateConfig(baseline_solution="popular", baseline_margin=0.5, max_drop_mode="relative")
    baseline = {"precision_at_10": 0.06, "coverage": 0.39, "precision_at_25": 1.0}
    decision = evaluate_gate(policy, {"precision_at_10": 0.12, "coverage": 0.40}, baseline=baseline)
    assert outcomes(decision) == [("coverage", "fail"), ("precision_at_10", "pass")]
    assert decision.rows[0].note == "ahead by only 2.6%"


def test_baseline_metric_not_reported_fails() -> None:
    policy = GateConfig(min={"precision_at_25": 0.0}, baseline_solution="popular")
    decision = evaluate_gate(policy, NEW, baseline={"precision_at_10": 0.01})
    assert decision.failures[-1].note == "new version does not report it"


def test_missing_baseline_metrics_fail() -> None:
    policy = GateConfig(baseline_solution="popular")
    decision = evaluate_gate(policy, NEW, baseline=None)
    assert not decision.passed
    assert "no metrics for popular" in decision.summary()


def test_decision_as_plain_data() -> None:
    policy = GateConfig(min={"coverage": 0.1}, max_drop={"coverage": 0.05})
    decision = evaluate_gate(
        policy,
        NEW,
        serving={"coverage": 0.42},
        solution="s",
        new_version="arn:new",
        serving_version="arn:old",
    )
    data = decision.to_dict()
    assert data["passed"] is True
    assert data["rows"][1] == {
        "metric": "coverage",
        "result": "pass",
        "rule": "drop of at most 0.0500 vs serving",
        "serving": "0.4200",
        "new": "0.4000",
        "change": "-0.0200",
        "why": "rule met",
    }
    assert list(data["rows"][1])[:2] == ["metric", "result"]  # the verdict beside the metric


def test_decision_is_published_as_a_table_artifact(prefect_api: None) -> None:
    decision = evaluate_gate(GateConfig(min={"coverage": 0.5}), NEW, solution="Gate Test")

    @flow
    def gate_flow() -> str:
        return publish_gate_decision(decision)

    assert gate_flow().startswith("stopped by the gate for Gate Test")
    latest = latest_artifacts("gate-gate-test")
    assert latest["gate-gate-test"].type == "table"
    assert "coverage" in str(latest["gate-gate-test"].data)


def holdout_comparison(
    change: float, users: int = 2000, noise: float = 0.02, coverage: float = 0.2
) -> HoldoutComparison:
    """The new version ``change`` (relative) off the serving one on every held-out user."""
    rng = np.random.default_rng(0)
    serving = pd.DataFrame({NDCG: rng.random(users)})
    new = serving * (1 + change) + rng.normal(0, noise, (users, 1))
    baseline = serving * 0.5
    return HoldoutComparison(
        users=users,
        serving=paired_bootstrap(new, serving),
        baseline=paired_bootstrap(new, baseline),
        coverage={"serving": 0.2, "new": coverage},
        new_users=paired_bootstrap(new[:50], serving[:50]),
        new_user_count=50,
    )


NDCG = "normalized_discounted_cumulative_gain_at_10"
HOLDOUT = GateConfig(holdout=HoldoutGateConfig(max_drop=0.02))


def test_holdout_rule_stops_a_worse_version_and_passes_an_equal_or_better_one() -> None:
    worse = evaluate_gate(HOLDOUT, NEW, holdout=holdout_comparison(-0.10))
    assert outcomes(worse)[0] == (f"{NDCG} (2000 users)", "fail")
    assert "-10.0% [" in worse.failures[0].note and "worse" in worse.failures[0].note
    assert "lower bound of new/serving - 1 above -2.0%" in worse.summary()
    assert evaluate_gate(HOLDOUT, NEW, holdout=holdout_comparison(0.0)).passed
    better = evaluate_gate(HOLDOUT, NEW, holdout=holdout_comparison(0.10))
    assert better.passed and "better" in better.rows[0].note
    row = better.table()[0]
    assert row["serving"] != row["new"] and row["change"].startswith("+")


def test_holdout_rule_is_skipped_with_the_reason_when_there_is_no_comparison() -> None:
    reason = "the serving version's training data end is unknown"
    decision = evaluate_gate(HOLDOUT, NEW, holdout=HoldoutComparison(unavailable=reason))
    assert outcomes(decision) == [(NDCG, "skipped")]
    assert decision.passed and reason in decision.rows[0].note
    assert evaluate_gate(HOLDOUT, NEW).rows[0].outcome == "skipped"


def test_holdout_baseline_lead_uses_its_lower_bound() -> None:
    policy = GateConfig(
        baseline_solution="popular",
        baseline_margin=0.5,
        max_drop_mode="relative",
        holdout=HoldoutGateConfig(),
    )
    # Twice the baseline, but the lower bound of the lead decides: +100% is enough for +50%...
    decision = evaluate_gate(policy, NEW, baseline=NEW, holdout=holdout_comparison(0.0))
    paired = [r for r in decision.rows if "holdout: " in r.rule and r.metric.startswith(NDCG)]
    assert [r.outcome for r in paired] == ["pass", "pass"]
    # ...and not for +150%.
    policy = policy.model_copy(update={"baseline_margin": 1.5})
    decision = evaluate_gate(policy, NEW, baseline=NEW, holdout=holdout_comparison(0.0))
    assert decision.rows[-1].outcome == "fail" and "beats popular" in decision.rows[-1].rule


def test_the_holdout_comparison_replaces_the_drop_rules_and_they_return_without_it() -> None:
    policy = GateConfig(max_drop={NDCG: 0.01}, holdout=HoldoutGateConfig(max_drop=0.05))
    serving = {**NEW, NDCG: 0.4}  # GetSolutionMetrics says -50%, on other users
    paired = evaluate_gate(policy, NEW, serving, holdout=holdout_comparison(0.0))
    assert outcomes(paired)[0] == (NDCG, "skipped") and paired.passed
    assert paired.rows[0].note == "the holdout comparison decides"
    fallback = evaluate_gate(policy, NEW, serving, holdout=HoldoutComparison(unavailable="empty"))
    assert outcomes(fallback) == [(NDCG, "fail"), (NDCG, "skipped")]


def test_a_small_holdout_says_it_cannot_decide_and_the_metric_rules_do() -> None:
    policy = GateConfig(max_drop={NDCG: 0.10}, holdout=HoldoutGateConfig(max_drop=0.02))
    small = holdout_comparison(0.0, users=60, noise=0.3)
    serving = {**NEW, NDCG: 0.4}  # GetSolutionMetrics: -50%

    decision = evaluate_gate(policy, NEW, serving, holdout=small)

    paired = next(row for row in decision.rows if "users)" in row.metric)
    assert paired.outcome == "skipped"
    half = small.serving[NDCG].half_width
    assert f"too few held-out users to decide (±{half:.1%} at 60 users)" in paired.note
    assert outcomes(decision)[0] == (NDCG, "fail")  # the max_drop rule decides again
    assert not decision.needs_approval


def test_when_undecided_stop_and_approval() -> None:
    small = holdout_comparison(0.0, users=60, noise=0.3)
    stop = GateConfig(holdout=HoldoutGateConfig(max_drop=0.02, when_undecided="stop"))
    ask = GateConfig(holdout=HoldoutGateConfig(max_drop=0.02, when_undecided="approval"))

    stopped = evaluate_gate(stop, NEW, holdout=small)
    asked = evaluate_gate(ask, NEW, holdout=small)

    assert not stopped.passed and "when_undecided: stop" in stopped.failures[0].note
    assert asked.passed and "too few held-out users" in asked.needs_approval


def test_a_clearly_worse_version_stops_even_when_the_holdout_is_small() -> None:
    policy = GateConfig(holdout=HoldoutGateConfig(max_drop=0.02))
    worse = holdout_comparison(-0.6, users=60, noise=0.05)
    assert worse.serving[NDCG].half_width > 0.02

    decision = evaluate_gate(policy, NEW, holdout=worse)

    assert not decision.passed and "worse even so" in decision.failures[0].note


def test_every_paired_row_gives_the_smallest_detectable_drop() -> None:
    decision = evaluate_gate(HOLDOUT, NEW, holdout=holdout_comparison(0.0))
    half = holdout_comparison(0.0).serving[NDCG].half_width
    assert f"detects ±{half:.1%}" in decision.rows[0].note


def test_a_collapse_of_catalogue_coverage_stops() -> None:
    collapsed = evaluate_gate(HOLDOUT, NEW, holdout=holdout_comparison(0.0, coverage=0.03))
    kept = evaluate_gate(HOLDOUT, NEW, holdout=holdout_comparison(0.0, coverage=0.15))
    off = GateConfig(holdout=HoldoutGateConfig(max_drop=0.02, max_coverage_drop=None))

    assert not collapsed.passed
    (row,) = collapsed.failures
    assert row.metric == "catalogue coverage (top 25)" and "fell 85%" in row.note
    assert "gate.holdout.max_coverage_drop" in row.note
    assert kept.passed
    assert evaluate_gate(off, NEW, holdout=holdout_comparison(0.0, coverage=0.03)).passed


def test_new_users_are_shown_and_ruled_on_when_asked() -> None:
    shown = evaluate_gate(HOLDOUT, NEW, holdout=holdout_comparison(0.0))
    ruled = GateConfig(holdout=HoldoutGateConfig(max_drop=0.02, new_users_max_drop=0.01))

    (row,) = [r for r in shown.rows if "new users" in r.metric]
    assert row.metric == f"{NDCG} (50 new users)" and row.outcome == "skipped"
    assert row.rule == "holdout, new users: shown, no rule"
    decision = evaluate_gate(ruled, NEW, holdout=holdout_comparison(-0.5))
    assert [r.outcome for r in decision.rows if "new users" in r.metric] == ["fail"]


def test_the_baseline_row_shows_the_serving_versions_value() -> None:
    policy = GateConfig(baseline_solution="popular", holdout=HoldoutGateConfig())
    comparison = holdout_comparison(0.0)

    decision = evaluate_gate(policy, NEW, baseline=NEW, holdout=comparison)

    row = next(r for r in decision.rows if r.metric.endswith("(holdout, baseline)"))
    assert row.serving == pytest.approx(comparison.serving[NDCG].serving)
    assert f"({comparison.baseline[NDCG].serving:.4f})" in row.rule


def test_no_cell_reads_as_markdown_a_person_would_not_expect() -> None:
    policy = GateConfig(
        min={"coverage": 0.02, "precision_at_25": 0.0},
        max_drop={"coverage": 0.1},
        baseline_solution="popular",
        holdout=HoldoutGateConfig(),
    )
    decision = evaluate_gate(policy, NEW, baseline=NEW, holdout=holdout_comparison(0.0))

    assert misread_cells(decision.table()) == []
    assert not [cell for row in decision.table() for cell in row.values() if not cell.strip()]
