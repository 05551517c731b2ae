"""HPO (``performHPO``): a few real trainings within hpoConfig's ranges, the best kept; in the
engine and over HTTP.

Sources: botocore's HPOConfig, HyperParameterRanges, HPOResourceConfig
(``maxNumberOfTrainingJobs`` at most 40) and SolutionVersion.tunedHPOParams; the developer
guide's "Hyperparameters and HPO" (DescribeSolutionVersion shows the best model's values in
``tunedHPOParams.algorithmHyperParameters``).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from personalize_local.engine.tuning import tune
from personalize_local.sample_world import generate_interactions
from personalize_local.testing.helpers import error_of
from personalize_local.testing.training_setup import active_solution, loaded_group, train

RANGES = {
    "integerHyperParameterRanges": [
        {"name": "min_cointeraction_count", "minValue": 1, "maxValue": 10}
    ],
    "continuousHyperParameterRanges": [
        {"name": "popularity_discount_factor", "minValue": 0.0, "maxValue": 1.0}
    ],
}
HPO = {"algorithmHyperParameterRanges": RANGES,
       "hpoResourceConfig": {"maxNumberOfTrainingJobs": "5", "maxParallelTrainingJobs": "2"}}  # fmt: skip


def _in_ranges(values: dict[str, str]) -> bool:
    count, discount = (
        int(values["min_cointeraction_count"]),
        float(values["popularity_discount_factor"]),
    )
    return 1 <= count <= 10 and 0.0 <= discount <= 1.0


@pytest.mark.parametrize("kind", ["Maximize", "Minimize"])
def test_the_best_trial_on_the_objective_is_kept(kind: str) -> None:
    frame = generate_interactions(300, 120, 5000, seed=3)
    items = np.array(sorted(frame["ITEM_ID"].unique()), dtype=object)
    objective = {"type": kind, "metricName": "precision_at_10"}
    tuned = tune("similar-items", frame, items, {"min_cointeraction_count": "1"},
                 {**HPO, "hpoObjective": objective}, seed=7)  # fmt: skip
    assert tuned is not None and len(tuned.trials) == 5
    scores = [score for _, score in tuned.trials]
    assert len(set(scores)) > 1, "the ranges change the model"
    best = (max if kind == "Maximize" else min)(range(5), key=lambda i: scores[i])
    assert tuned.hyperparameters == tuned.trials[best][0]
    assert tuned.trained.metrics["precision_at_10"] == scores[best]
    assert all(_in_ranges(drawn) for drawn, _ in tuned.trials)


def test_hpo_over_http(personalize: Any, s3: Any, bucket: str, unique: str) -> None:
    group = loaded_group(personalize, s3, bucket, f"hpo-{unique}")
    tuned = active_solution(personalize, group, f"hpo-{unique}", "aws-sims", performHPO=True,
                            solutionConfig={"hpoConfig": HPO})  # fmt: skip
    version = train(personalize, tuned)
    assert version["status"] == "ACTIVE", version
    values = version["tunedHPOParams"]["algorithmHyperParameters"]
    assert set(values) == {"min_cointeraction_count", "popularity_discount_factor"}
    assert _in_ranges(values)

    plain = active_solution(personalize, group, f"nohpo-{unique}", "aws-sims")
    assert "tunedHPOParams" not in train(personalize, plain)

    for bad, word in (
        ({**HPO, "hpoResourceConfig": {"maxNumberOfTrainingJobs": "41"}}, "maxNumberOfTrainingJobs"),
        ({"algorithmHyperParameterRanges": {"integerHyperParameterRanges": [
            {"name": "min_cointeraction_count", "minValue": 5, "maxValue": 2}]}}, "minValue"),
    ):  # fmt: skip
        code, message = error_of(personalize.create_solution, name=f"bad-{unique}",
                                 datasetGroupArn=group, performHPO=True,
                                 recipeArn="arn:aws:personalize:::recipe/aws-sims",
                                 solutionConfig={"hpoConfig": bad})  # fmt: skip
        assert code == "InvalidInputException" and word in message, message
