"""Item exploration: ``itemExplorationConfig`` of a campaign, a batch job or a recommender.

1. Only the User-Personalization recipes explore ("Provide itemExplorationConfig data only if
   your solution uses the User-Personalization recipe", botocore's CampaignConfig), and of the
   domain use cases Recommended for you and Top picks for you ("For Top picks for you or
   Recommended for you use cases, Amazon Personalize uses exploration", developer guide,
   Configuring exploration for a domain recommender). They take ``explorationWeight`` (0 to 1,
   "The closer the value is to 1, the more exploration") and ``explorationItemAgeCutOff``
   (days before the latest interaction within which an item may be explored).
2. Candidates are the items no older than the cut-off (age from the Items dataset's
   CREATION_TIMESTAMP, else the item's first interaction; items never interacted with and
   without a creation time count as new), ranked by how little the model knows of them:
   ``1 / (1 + interactions + impressions left unanswered)``, so items shown often without
   being chosen are explored less (impressions "guide exploration", developer guide), then by
   the user's own score.
3. A list of n items gives ``round(n x weight / 2)`` positions, spread evenly, to candidates
   not already in it (the local service's rule: AWS's bandit is not documented); at weight 0
   nothing changes. User-Personalization-v2 marks them with the reason ``Exploration``.
4. The candidates are computed once per solution version, cut-off and change of the group's
   data; a request only picks among them.
Without ``itemExplorationConfig`` nothing explores here (AWS explores with weight 0.3 by
default).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from personalize_local.engine.data import data_stamp, load_group
from personalize_local.errors import InvalidInputException
from personalize_local.impressions import unconverted
from personalize_local.service import Service
from personalize_local.stamped_cache import StampedCache

RECIPES = (
    "aws-user-personalization",
    "aws-user-personalization-v2",
    "aws-ecomm-recommended-for-you",
    "aws-vod-top-picks",
)
DEFAULT_CUTOFF_DAYS = 30.0
DAY = 86_400
_CANDIDATES: StampedCache[tuple[np.ndarray, np.ndarray]] = StampedCache()


def settings(config: Mapping[str, Any]) -> tuple[float, float] | None:
    """(weight, cut-off days) of an itemExplorationConfig, None without one; checked."""
    explore = config.get("itemExplorationConfig")
    if not explore:
        return None
    try:
        weight = float(explore.get("explorationWeight", "0.3"))
        cutoff = float(explore.get("explorationItemAgeCutOff", str(DEFAULT_CUTOFF_DAYS)))
    except ValueError:
        weight = cutoff = -1.0
    if not 0.0 <= weight <= 1.0 or cutoff <= 0:
        raise InvalidInputException(
            f"itemExplorationConfig {dict(explore)}: explorationWeight is a number from 0 to 1 "
            "and explorationItemAgeCutOff a number of days above 0, e.g. "
            '{"explorationWeight": "0.3", "explorationItemAgeCutOff": "30"}.'
        )
    return weight, cutoff


def check(config: Mapping[str, Any], recipe_name: str) -> None:
    """Refuse an itemExplorationConfig for a recipe that does not explore."""
    if config.get("itemExplorationConfig") and recipe_name not in RECIPES:
        raise InvalidInputException(
            "itemExplorationConfig applies to the User-Personalization recipes and the "
            f"Recommended for you and Top picks for you use cases only, not to {recipe_name}. "
            "Leave it out."
        )
    settings(config)


def explore(
    service: Service,
    target: Any,
    chosen: np.ndarray,
    scores: np.ndarray,
    keep: np.ndarray | None,
    n: int,
    reasons: dict[int, str],
) -> np.ndarray:
    """The chosen item indices with exploration candidates at spread positions."""
    found = settings(target.config)
    if found is None or target.recipe.name not in RECIPES:
        return chosen
    weight, cutoff = found
    slots = int(n * weight / 2 + 0.5)
    if slots == 0:
        return chosen
    order, cold = _candidates(service, target, cutoff)
    picked = _pick(order, cold, scores, keep, set(chosen.tolist()), slots)
    if not len(picked):
        return chosen
    kept = [int(i) for i in chosen[: n - len(picked)]]
    for j, item in enumerate(picked):
        position = min(round((j + 1) * n / (len(picked) + 1)), len(kept))
        kept.insert(position, int(item))
        if target.recipe.name == "aws-user-personalization-v2":
            reasons[int(item)] = "Exploration"
    return np.asarray(kept[:n], dtype=np.int64)


def _pick(
    order: np.ndarray,
    cold: np.ndarray,
    scores: np.ndarray,
    keep: np.ndarray | None,
    taken: set[int],
    slots: int,
) -> np.ndarray:
    """Up to ``slots`` candidates: least known first, then the user's best."""
    allowed = order if keep is None else order[keep[order]]
    allowed = allowed[~np.isin(allowed, np.fromiter(taken, dtype=np.int64))] if taken else allowed
    if not len(allowed):
        return allowed
    rank = np.lexsort((-scores[allowed], -cold[allowed]))
    return allowed[rank[:slots]]


def _candidates(service: Service, target: Any, cutoff: float) -> tuple[np.ndarray, np.ndarray]:
    """(indices of the items young enough to explore, each item's coldness)."""

    def derive() -> tuple[np.ndarray, np.ndarray]:
        model = target.model
        group = load_group(service, target.group_arn)
        ids = pd.Index(model.item_ids.astype(str))
        counts = np.asarray(model.history.sum(axis=0)).ravel()
        unanswered = unconverted(group.interactions).reindex(ids, fill_value=0).to_numpy()
        cold = 1.0 / (1.0 + counts + unanswered)
        born = _first_seen(group.interactions, group.items, ids)
        latest = float(group.interactions["TIMESTAMP"].max()) if len(group.interactions) else 0
        young = np.isnan(born) | (born >= latest - cutoff * DAY)
        return np.flatnonzero(young), cold

    key = (str(service.settings.data_dir), target.version_arn, cutoff)
    # A recommender keeps its ARN when it retrains: its model is part of the stamp.
    stamp = (data_stamp(service, target.group_arn), id(target.model))
    return _CANDIDATES.get(key, stamp, derive)


def _first_seen(
    interactions: pd.DataFrame, items: pd.DataFrame | None, ids: pd.Index
) -> np.ndarray:
    """Each item's creation time (CREATION_TIMESTAMP, else its first interaction; NaN: never)."""
    first = interactions.groupby("ITEM_ID")["TIMESTAMP"].min().reindex(ids).astype(float)
    if items is not None and "CREATION_TIMESTAMP" in items:
        created = pd.to_numeric(items.set_index(items["ITEM_ID"].astype(str))[
            "CREATION_TIMESTAMP"], errors="coerce")  # fmt: skip
        created = created[~created.index.duplicated()].reindex(ids)
        first = created.fillna(first)
    return first.to_numpy(dtype=float)
