"""The training engine on generated frames: models, metrics, the held-out split."""

from __future__ import annotations

import pickle

import numpy as np
import pandas as pd
import pytest

from personalize_local.engine import fit as fit_module
from personalize_local.engine.data import select
from personalize_local.engine.fit import fit, parse_window
from personalize_local.engine.metrics import METRIC_NAMES, evaluate, split, version_seed
from personalize_local.engine.model import top_k, top_k_rows
from personalize_local.engine.training import TrainingError, train
from personalize_local.sample_world import generate_interactions, generate_items


@pytest.fixture(scope="module")
def planted() -> pd.DataFrame:
    return generate_interactions(400, 150, 6000, seed=1)


def catalogue(frame: pd.DataFrame) -> np.ndarray:
    return np.array(sorted(frame["ITEM_ID"].unique()), dtype=object)


def test_sample_data_has_planted_taste(planted: pd.DataFrame) -> None:
    assert list(planted.columns) == ["USER_ID", "ITEM_ID", "TIMESTAMP", "EVENT_TYPE"]
    assert planted["USER_ID"].nunique() == 400
    assert planted["TIMESTAMP"].is_monotonic_increasing
    categories = generate_items(150, seed=1).set_index("ITEM_ID")["CATEGORY"]
    top_two = (
        planted.assign(CATEGORY=planted["ITEM_ID"].map(categories))
        .groupby("USER_ID")["CATEGORY"]
        .agg(lambda c: c.value_counts().iloc[:2].sum() / len(c))
    )
    assert top_two.mean() > 0.7  # users mostly stick to their cluster's two categories
    assert generate_interactions(400, 150, 6000, seed=1).equals(planted)


def test_a_sample_seed_draws_fresh_rows_of_the_same_world(planted: pd.DataFrame) -> None:
    categories = generate_items(150, seed=1).set_index("ITEM_ID")["CATEGORY"]

    def labelled(frame: pd.DataFrame) -> pd.DataFrame:
        return frame.assign(CATEGORY=frame["ITEM_ID"].map(categories))

    def agreement(taste_from: pd.DataFrame, rows_from: pd.DataFrame) -> float:
        """Share of ``rows_from``'s rows in their user's top two categories in ``taste_from``."""
        top = (
            labelled(taste_from)
            .groupby("USER_ID")["CATEGORY"]
            .agg(lambda c: set(c.value_counts().index[:2]))
        )
        rows = labelled(rows_from)
        pairs = zip(rows["USER_ID"], rows["CATEGORY"], strict=True)
        return float(np.mean([c in top.get(u, set()) for u, c in pairs]))

    first, second = (generate_interactions(400, 150, 6000, seed=1, sample_seed=n) for n in (1, 2))
    assert not first.equals(second) and not first.equals(planted)
    other_world = generate_interactions(400, 150, 6000, seed=2, sample_seed=2)
    assert agreement(first, second) > 0.6 > 0.3 > agreement(first, other_world)


def test_split_holds_out_the_newest_interactions_of_a_tenth_of_users(
    planted: pd.DataFrame,
) -> None:
    held = split(planted, seed=0)
    assert len(held.test) == round(planted["USER_ID"].nunique() * 0.1)
    assert len(held.train) + sum(len(v) for v in held.test.values()) >= len(planted) * 0.98
    user = next(iter(held.test))
    kept = held.train[held.train["USER_ID"] == user]["TIMESTAMP"].max()
    newest = planted[(planted["USER_ID"] == user) & planted["ITEM_ID"].isin(held.test[user])]
    assert newest["TIMESTAMP"].max() >= kept
    assert split(planted, seed=0).test == held.test


def test_each_version_arn_draws_its_own_test_users(planted: pd.DataFrame) -> None:
    arn = "arn:aws:personalize:us-east-1:000000000000:solution/s/1a2b3c4d"
    assert version_seed(arn) == version_seed(arn)
    first, second = (split(planted, version_seed(f"{arn}{n}")).test for n in (1, 2))
    assert len(first) == len(second)
    assert set(first) != set(second)


def test_metrics_count_hits_exactly() -> None:
    frame = pd.DataFrame(
        {"USER_ID": ["a", "a", "b"], "ITEM_ID": ["x", "y", "x"], "TIMESTAMP": [1, 2, 3]}
    )
    model = fit("popularity", frame, np.array(["x", "y", "z"], dtype=object), {})
    metrics = evaluate(model, {"b": {"y"}, "new": {"z"}}, 3)
    # b has seen x, so its list is y, z: a hit at rank 1. The cold user gets x, y, z: z third.
    assert metrics["precision_at_5"] == pytest.approx((1 / 5 + 1 / 5) / 2)
    assert metrics["mean_reciprocal_rank_at_25"] == pytest.approx((1 + 1 / 3) / 2)
    assert metrics["normalized_discounted_cumulative_gain_at_5"] == pytest.approx((1 + 0.5) / 2)
    assert metrics["coverage"] == 1.0


@pytest.mark.parametrize("ease_max_items", [10_000, 10])
def test_personalization_beats_popularity(
    planted: pd.DataFrame, ease_max_items: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(fit_module, "EASE_MAX_ITEMS", ease_max_items)
    items = catalogue(planted)
    personalized = train("personalization", planted, items, {"hidden_dimension": "16"})
    popular = train("popularity", planted, items, {})
    assert personalized is not None and popular is not None
    assert personalized.model.kind == ("ease" if ease_max_items > 150 else "als")
    assert set(personalized.metrics) == set(METRIC_NAMES)
    ndcg = "normalized_discounted_cumulative_gain_at_10"
    assert personalized.metrics[ndcg] > 2 * popular.metrics[ndcg]
    again = train("personalization", planted, items, {"hidden_dimension": "16"})
    assert again is not None and again.metrics == personalized.metrics


def test_similar_items_are_co_interacted() -> None:
    rows = [("u1", "a"), ("u1", "b"), ("u2", "a"), ("u2", "b"), ("u3", "c"), ("u3", "a")]
    frame = pd.DataFrame(rows, columns=["USER_ID", "ITEM_ID"]).assign(TIMESTAMP=1)
    model = fit("similar-items", frame, np.array(["a", "b", "c", "d"], dtype=object), {})
    scores = model.related_scores("a")
    assert scores is not None
    assert [model.item_ids[i] for i in top_k(scores, 2)] == ["b", "c"]
    assert model.related_scores("unknown") is None


def test_trending_counts_the_recent_window_only() -> None:
    old = [("u", "old", 0)] * 50
    recent = [("u", "new", 10 * 86_400)] * 3
    frame = pd.DataFrame(old + recent, columns=["USER_ID", "ITEM_ID", "TIMESTAMP"])
    items = np.array(["new", "old"], dtype=object)
    trending = fit("trending", frame, items, {"trend_discovery_frequency": "1 day"})
    popular = fit("popularity", frame, items, {})
    assert items[top_k(trending.popularity, 1)][0] == "new"
    assert items[top_k(popular.popularity, 1)][0] == "old"
    with pytest.raises(ValueError, match="trend_discovery_frequency"):
        parse_window("every week")


def test_cold_users_get_popular_items_and_models_pickle(planted: pd.DataFrame) -> None:
    model = fit("personalization", planted, catalogue(planted), {})
    restored = pickle.loads(pickle.dumps(model))
    assert np.array_equal(restored.scores_for_user("u3"), model.scores_for_user("u3"))
    assert np.array_equal(model.scores_for_user("stranger"), model.popularity)
    assert restored.user_index["u3"] == model.user_index["u3"]


def test_top_k_respects_the_mask_and_drops_excluded() -> None:
    scores = np.array([0.1, 0.9, 0.5, -np.inf])
    assert top_k(scores, 3).tolist() == [1, 2, 0]
    assert top_k(scores, 4, np.array([True, False, True, True])).tolist() == [2, 0]


def test_too_little_data_is_explained() -> None:
    frame = generate_interactions(20, 10, 200)
    with pytest.raises(TrainingError, match="at least 1000 interactions"):
        train("popularity", frame, catalogue(frame), {})


def test_select_honours_event_type_and_threshold() -> None:
    frame = pd.DataFrame(
        {
            "USER_ID": ["a", "a", "b", "b"],
            "ITEM_ID": ["x", "y", "x", "z"],
            "TIMESTAMP": [1, 2, 3, 4],
            "EVENT_TYPE": ["click", "purchase", "click", "click"],
            "EVENT_VALUE": [0.2, 0.9, 0.7, None],
        }
    )
    assert select(frame, "click", None)["ITEM_ID"].tolist() == ["x", "x", "z"]
    assert select(frame, None, 0.5)["ITEM_ID"].tolist() == ["y", "x", "z"]
    assert select(frame, "click", 0.5)["ITEM_ID"].tolist() == ["x", "z"]


@pytest.mark.parametrize(("n_items", "k"), [(1000, 25), (1003, 7), (40, 25), (10, 25)])
def test_top_k_rows_matches_a_full_sort(n_items: int, k: int) -> None:
    rng = np.random.default_rng(n_items)
    scores = rng.random((20, n_items)).astype(np.float32)
    scores[0, : n_items - 3] = -np.inf  # a row with only three finite scores
    indices, values = top_k_rows(scores, k)
    for row in range(len(scores)):
        finite = np.isfinite(values[row])
        expected = np.argsort(-scores[row], kind="stable")[: min(k, n_items)]
        expected = expected[np.isfinite(scores[row, expected])]
        assert indices[row][finite].tolist() == expected.tolist()
        assert np.array_equal(values[row][finite], scores[row, expected])
