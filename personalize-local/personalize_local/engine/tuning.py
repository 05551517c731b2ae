"""Hyperparameter optimisation (``performHPO``): a few real trainings within ``hpoConfig``'s
ranges, the best kept.

1. ``hpoConfig.algorithmHyperParameterRanges`` names integer, continuous and categorical ranges
   (botocore's HyperParameterRanges); each trial draws one value per range (uniformly, seeded
   by the solution version), on top of the solution's ``algorithmHyperParameters``.
2. ``hpoResourceConfig.maxNumberOfTrainingJobs`` trials run (at most 40, botocore's
   HPOResourceConfig; ``DEFAULT_TRIALS`` when not given), one after the other.
3. Each trial fits on the version's training split and is measured on its held-out users, as
   GetSolutionMetrics measures (:mod:`personalize_local.engine.metrics`); the best on
   ``hpoObjective.metricName`` (``Maximize`` unless its type says ``Minimize``; AWS documents
   that it does not let the objective be configured: here it is honoured when it names one of
   GetSolutionMetrics' keys, else ``DEFAULT_OBJECTIVE``) is refitted on all the data.
4. The version's ``tunedHPOParams.algorithmHyperParameters`` are the best trial's values (as
   strings, with the fixed ones), as DescribeSolutionVersion shows them (developer guide,
   Hyperparameters and HPO).
Only the hyperparameters the engine reads change the model (:mod:`personalize_local.engine.fit`); the
others are drawn and reported all the same.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from personalize_facts.metrics import METRIC_NAMES
from personalize_local.engine.fit import fit
from personalize_local.engine.metrics import evaluate, split
from personalize_local.engine.training import Trained, check_minimums

DEFAULT_TRIALS = 4
MAX_TRIALS = 40
DEFAULT_OBJECTIVE = "normalized_discounted_cumulative_gain_at_10"


@dataclass(frozen=True)
class Tuned:
    """The model of the best trial refitted on all data, its metrics and its hyperparameters."""

    trained: Trained
    hyperparameters: dict[str, str]
    trials: list[tuple[dict[str, str], float]]
    """Each trial's drawn values and objective, in the order they ran."""


def check_hpo_config(hpo: Mapping[str, Any]) -> None:
    """Raise ValueError naming the first range or resource setting that cannot be used."""
    trials(hpo)
    for kind in ("integer", "continuous"):
        for found in _ranges(hpo, kind):
            if float(found["minValue"]) > float(found["maxValue"]):
                raise ValueError(
                    f"hpoConfig range {found['name']}: minValue {found['minValue']} is above "
                    f"maxValue {found['maxValue']}."
                )
    for found in _ranges(hpo, "categorical"):
        if not found.get("values"):
            raise ValueError(f"hpoConfig range {found['name']}: give at least one value.")


def trials(hpo: Mapping[str, Any]) -> int:
    """How many trainings the HPO runs."""
    text = (hpo.get("hpoResourceConfig") or {}).get("maxNumberOfTrainingJobs", DEFAULT_TRIALS)
    try:
        count = int(text)
    except ValueError:
        count = 0
    if not 1 <= count <= MAX_TRIALS:
        raise ValueError(
            f"hpoResourceConfig.maxNumberOfTrainingJobs {text!r}: give a number from 1 to "
            f"{MAX_TRIALS}."
        )
    return count


def tune(
    model_kind: str,
    interactions: pd.DataFrame,
    catalogue: np.ndarray,
    hyperparameters: Mapping[str, str],
    hpo: Mapping[str, Any],
    should_stop: Callable[[], bool] = lambda: False,
    seed: int = 0,
) -> Tuned | None:
    """Run the trials and refit the best; None if ``should_stop`` turned true meanwhile."""
    check_minimums(interactions)
    held_out = split(interactions, seed)
    rng = np.random.default_rng(seed)
    metric, sign = _objective(hpo)
    results = []
    for _ in range(trials(hpo)):
        drawn = _draw(hpo, rng)
        model = fit(model_kind, held_out.train, catalogue, {**hyperparameters, **drawn})
        metrics = evaluate(model, held_out.test, len(catalogue))
        results.append((drawn, metrics, model))
        if should_stop():
            return None
    best = max(range(len(results)), key=lambda i: sign * results[i][1][metric])
    drawn, metrics, model = results[best]
    chosen = {**hyperparameters, **drawn}
    final = fit(model_kind, interactions, catalogue, chosen, warm=model)
    return Tuned(
        Trained(final, metrics),
        {k: str(v) for k, v in chosen.items()},
        [(d, m[metric]) for d, m, _ in results],
    )


def _objective(hpo: Mapping[str, Any]) -> tuple[str, int]:
    objective = hpo.get("hpoObjective") or {}
    name = objective.get("metricName")
    metric = name if name in METRIC_NAMES else DEFAULT_OBJECTIVE
    return metric, -1 if str(objective.get("type", "")).lower() == "minimize" else 1


def _ranges(hpo: Mapping[str, Any], kind: str) -> list[dict[str, Any]]:
    ranges = hpo.get("algorithmHyperParameterRanges") or {}
    return list(ranges.get(f"{kind}HyperParameterRanges") or [])


def _draw(hpo: Mapping[str, Any], rng: np.random.Generator) -> dict[str, str]:
    """One value per range, as the strings algorithmHyperParameters holds."""
    drawn = {}
    for found in _ranges(hpo, "integer"):
        low, high = int(found["minValue"]), int(found["maxValue"])
        drawn[found["name"]] = str(int(rng.integers(low, high + 1)))
    for found in _ranges(hpo, "continuous"):
        value = rng.uniform(float(found["minValue"]), float(found["maxValue"]))
        drawn[found["name"]] = f"{value:.6g}"
    for found in _ranges(hpo, "categorical"):
        drawn[found["name"]] = str(rng.choice(list(found["values"])))
    return drawn
