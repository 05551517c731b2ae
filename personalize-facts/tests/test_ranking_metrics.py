"""The ranking metrics per user, checked against values worked out by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest

from personalize_facts.metrics import METRIC_NAMES, PER_USER_METRICS, TOP, ranking_metrics


def test_hits_at_ranks_one_and_three_of_two_relevant_items() -> None:
    hits = np.zeros((2, TOP))
    hits[0, [0, 2]] = 1.0  # user 0: hits at ranks 1 and 3 of 2 relevant items; user 1: none
    metrics = ranking_metrics(hits, np.array([2, 4]))
    assert list(metrics) == list(PER_USER_METRICS)
    assert metrics["precision_at_5"].tolist() == [2 / 5, 0.0]
    assert metrics["recall_at_10"].tolist() == [1.0, 0.0]
    assert metrics["hit_rate_at_5"].tolist() == [1.0, 0.0]
    assert metrics["mean_reciprocal_rank_at_25"].tolist() == [1.0, 0.0]
    ideal = 1 + 1 / math.log2(3)
    assert metrics["normalized_discounted_cumulative_gain_at_5"][0] == pytest.approx(
        (1 + 1 / math.log2(4)) / ideal
    )


def test_a_user_with_more_relevant_items_than_k_can_still_reach_one() -> None:
    hits = np.zeros((1, TOP))
    hits[0, :5] = 1.0
    metrics = ranking_metrics(hits, np.array([30]))
    assert metrics["normalized_discounted_cumulative_gain_at_5"][0] == pytest.approx(1.0)
    assert metrics["precision_at_5"][0] == 1.0
    assert metrics["recall_at_25"][0] == pytest.approx(5 / 30)


def test_the_solution_metric_names_are_those_ranking_metrics_give_plus_coverage() -> None:
    assert set(METRIC_NAMES) - set(PER_USER_METRICS) == {"coverage"}
