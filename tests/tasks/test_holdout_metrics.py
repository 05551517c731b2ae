"""Per-user ranking metrics from recommendation lists and held-out interactions."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from personalize_facts.metrics import PER_USER_METRICS
from tasks.holdout_metrics import coverage, per_user_metrics


def lists(rows: dict[str, list[str]]) -> pd.DataFrame:
    """Recommendation rows (user, rank, item) as ``read_output`` gives them."""
    out = []
    for user, items in rows.items():
        out += [{"user": user, "rank": r, "item": i} for r, i in enumerate(items, start=1)]
        if not items:
            out.append({"user": user, "rank": 0, "item": None})
    return pd.DataFrame(out)


def test_metrics_per_user_by_hand() -> None:
    recs = lists({"a": ["x", "y", "z", "w", "v"], "b": ["q", "x"], "c": []})
    holdout = pd.DataFrame(
        {"USER_ID": ["a", "a", "a", "b", "c", "d"], "ITEM_ID": ["y", "y", "v", "x", "x", "x"]}
    )
    m = per_user_metrics(recs, holdout)
    assert list(m.index) == ["a", "b", "c", "d"]
    assert list(m.columns) == list(PER_USER_METRICS)
    a, b = m.loc["a"], m.loc["b"]
    assert a["precision_at_5"] == pytest.approx(2 / 5)
    assert a["recall_at_5"] == pytest.approx(1.0)  # the repeated y counts once
    ideal = 1 + 1 / math.log2(3)
    assert a["normalized_discounted_cumulative_gain_at_5"] == pytest.approx(
        (1 / math.log2(3) + 1 / math.log2(6)) / ideal
    )
    assert a["mean_reciprocal_rank_at_25"] == pytest.approx(1 / 2)
    assert b["hit_rate_at_5"] == 1.0 and b["mean_reciprocal_rank_at_25"] == pytest.approx(1 / 2)
    assert b["normalized_discounted_cumulative_gain_at_10"] == pytest.approx(1 / math.log2(3))
    # c had an empty list and d none at all: zero everywhere, still counted.
    assert (m.loc[["c", "d"]] == 0).all().all()


def test_coverage_of_the_catalogue() -> None:
    recs = lists({"a": ["x", "y"], "b": ["x", "unknown"]})
    assert coverage(recs, ["x", "y", "z", "w"]) == 0.5
    assert coverage(recs, ["x", "y", "z", "w"], k=1) == 0.25
