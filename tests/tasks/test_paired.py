"""The paired bootstrap: differences between two versions on the same users, with intervals."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from tasks.paired import comparison_table, paired_bootstrap, resampled_means


def scores(values: np.ndarray, name: str = "ndcg") -> pd.DataFrame:
    return pd.DataFrame({name: values}, index=[f"u{i}" for i in range(len(values))])


def test_the_same_version_differs_by_exactly_nothing() -> None:
    values = np.random.default_rng(0).random(500)
    result = paired_bootstrap(scores(values), scores(values))["ndcg"]
    assert result.difference == 0 and result.difference_low == result.difference_high == 0
    assert result.relative_low == result.relative_high == 0
    assert result.verdict == "no clear difference"


def test_a_clearly_worse_version_and_a_clearly_better_one() -> None:
    rng = np.random.default_rng(1)
    serving = rng.random(2000)
    worse = serving * 0.8 + rng.normal(0, 0.05, 2000)
    result = paired_bootstrap(scores(worse), scores(serving), confidence=0.95)["ndcg"]
    assert result.verdict == "worse"
    assert result.relative_low < -0.2 + 0.03 and result.relative_high < -0.15
    assert result.relative == pytest.approx(worse.mean() / serving.mean() - 1)
    better = paired_bootstrap(scores(serving), scores(worse))["ndcg"]
    assert better.verdict == "better" and better.difference_low > 0


def test_pairing_sees_a_small_change_that_user_noise_would_hide() -> None:
    # Users differ far more from each other than the two versions do on one user.
    rng = np.random.default_rng(2)
    user = rng.exponential(1.0, 3000)
    result = paired_bootstrap(scores(user * 1.03), scores(user))["ndcg"]
    assert result.relative_low > 0.02 and result.verdict == "better"


def test_interval_covers_the_truth_about_as_often_as_it_says() -> None:
    rng = np.random.default_rng(3)
    covered = 0
    for trial in range(100):
        serving = rng.random(400)
        new = serving + rng.normal(0.01, 0.2, 400)  # the true mean difference is 0.01
        result = paired_bootstrap(scores(new), scores(serving), resamples=400, seed=trial)
        d = result["ndcg"]
        covered += d.difference_low <= 0.01 <= d.difference_high
    assert 88 <= covered <= 100


def test_a_user_missing_on_one_side_scores_zero_there() -> None:
    new = scores(np.ones(3))
    serving = scores(np.ones(2))
    result = paired_bootstrap(new, serving)["ndcg"]
    assert result.users == 3 and result.serving == pytest.approx(2 / 3)


def test_resampled_means_are_means_of_resamples() -> None:
    values = np.arange(10, dtype=float)[:, None]
    means = resampled_means(values, 2000, seed=0)
    assert means.shape == (2000, 1)
    assert means.mean() == pytest.approx(4.5, abs=0.05)
    assert means.std() == pytest.approx(values.std() / np.sqrt(10), rel=0.1)


def test_table_shows_both_sides_the_interval_and_the_verdict() -> None:
    rng = np.random.default_rng(4)
    serving = rng.random(1000)
    (row,) = comparison_table(paired_bootstrap(scores(serving * 0.5), scores(serving)))
    assert row["metric"] == "ndcg" and row["verdict"] == "worse"
    assert row["relative"].startswith("-50.0% [")
    assert set(row) == {"metric", "serving", "new", "difference", "relative", "verdict"}


def test_empty_holdout_and_bad_confidence_are_refused() -> None:
    with pytest.raises(ValueError, match="holdout is empty"):
        paired_bootstrap(scores(np.array([])), scores(np.array([])))
    with pytest.raises(ValueError, match="confidence"):
        paired_bootstrap(scores(np.ones(2)), scores(np.ones(2)), confidence=95)
