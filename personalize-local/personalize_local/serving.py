"""What the runtime and batch inference share: a solution version's model, filters, top items.

Scores are reported as Personalize reports them: a distribution over the whole catalogue
(a softmax of the model's scores), so a score compares items within one answer.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import Any

import numpy as np

from personalize_facts.filters import (
    FilterData,
    FilterExpression,
    FilterExpressionError,
    compile_filter,
)
from personalize_local.engine.data import data_stamp, load_group
from personalize_local.engine.model import Model, top_k
from personalize_local.engine.model_files import load_model
from personalize_local.errors import InvalidInputException, ResourceNotFoundException
from personalize_local.kinds import CAMPAIGN, FILTER, SOLUTION_VERSION
from personalize_local.recipe_catalogue import Recipe, recipe_of
from personalize_local.resources import require
from personalize_local.service import Service
from personalize_local.stamped_cache import StampedCache

MAX_RESULTS = 500
DEFAULT_RESULTS = 25
_FILTER_DATA: StampedCache[FilterData] = StampedCache()


@dataclass(frozen=True)
class Target:
    """A solution version ready to answer: its model, recipe and dataset group."""

    version_arn: str
    group_arn: str
    recipe: Recipe
    model: Model
    source_arn: str = ""
    """The campaign or recommender answering (empty for a batch job)."""
    config: Mapping[str, Any] = field(default_factory=dict)
    """Its campaignConfig or recommenderConfig."""


_CAMPAIGN_TARGETS: StampedCache[Target] = StampedCache()


def version_target(service: Service, version_arn: str) -> Target:
    """The model of an ACTIVE solution version."""
    version = require(service, SOLUTION_VERSION, version_arn)
    try:
        model = load_model(service, version_arn)
    except FileNotFoundError:
        raise ResourceNotFoundException(
            f"The solution version {version_arn} has no trained model ({version['status']})."
        ) from None
    return Target(version_arn, version["datasetGroupArn"], recipe_of(version["recipeArn"]), model)


def campaign_target(service: Service, campaign_arn: str) -> Target:
    """The solution version a campaign serves now (the old one until an update is ACTIVE).

    Kept while no resource changes (the store's generation), so the runtime's hot path reads
    no state for a campaign it has served before.
    """
    return _CAMPAIGN_TARGETS.get(
        (str(service.settings.data_dir), campaign_arn),
        service.store.generation,
        lambda: _read_campaign_target(service, campaign_arn),
    )


def _read_campaign_target(service: Service, campaign_arn: str) -> Target:
    campaign = require(service, CAMPAIGN, campaign_arn)
    if campaign["status"] != "ACTIVE":
        # The real service's wording (docs/aws-facts.md#errors, GetRecommendations).
        raise InvalidInputException(f"{campaign_arn} does not exist or is not active yet.")
    target = version_target(service, campaign["solutionVersionArn"])
    config = campaign.get("campaignConfig") or {}
    return replace(target, source_arn=campaign_arn, config=config)


def result_count(params: dict[str, Any]) -> int:
    """``numResults`` (default 25, at most 500)."""
    n = int(params.get("numResults") or DEFAULT_RESULTS)
    if n > MAX_RESULTS:
        raise InvalidInputException(f"numResults {n} is above the maximum of {MAX_RESULTS}.")
    return n


def distribution(scores: np.ndarray) -> np.ndarray:
    """Row-wise softmax (temperature: a tenth of each row's spread); -inf stays -inf.

    Works in float32, in place on a copy: batch inference runs it on thousands of rows.
    """
    out = np.array(np.atleast_2d(scores), dtype=np.float32)
    high, low = out.max(axis=1, keepdims=True), out.min(axis=1, keepdims=True)
    complete = bool(np.isfinite(high).all() and np.isfinite(low).all())  # NaN spreads to both
    if not complete:
        finite = np.isfinite(out)
        values = np.where(finite, out, np.nan)
        high, low = (
            np.nanmax(values, axis=1, keepdims=True),
            np.nanmin(values, axis=1, keepdims=True),
        )
    spread = high - low
    out -= high
    out /= np.where(spread > 0, spread / 10.0, 1.0).astype(np.float32)
    np.exp(out, out=out)
    if not complete:
        out[~finite] = 0.0
    out /= out.sum(axis=1, keepdims=True)
    if not complete:
        out[~finite] = -np.inf
    return out


def best_items(
    target: Target, scores: np.ndarray, n: int, keep: np.ndarray | None
) -> list[dict[str, Any]]:
    """The n best items of one row of distribution scores, as ``{itemId, score}``."""
    return items_of(target, scores, top_k(scores, n, keep))


def items_of(target: Target, scores: np.ndarray, chosen: np.ndarray) -> list[dict[str, Any]]:
    """The chosen items (indices into the model's items) as ``{itemId, score}``."""
    ids = target.model.item_ids[chosen].tolist()
    values = scores[chosen].tolist()
    return [{"itemId": str(i), "score": round(v, 6)} for i, v in zip(ids, values, strict=True)]


def rank(
    target: Target, user_id: str, items: Sequence[str], keep: np.ndarray | None
) -> list[dict[str, Any]]:
    """The items ordered for the user; unknown items last (input order), filtered ones out."""
    model = target.model
    index = [model.item_index.get(item, -1) for item in items]
    known = [i for i in index if i >= 0 and (keep is None or keep[i])]
    scores = model.scores_for_user(user_id)[known] if known else np.empty(0)
    weights = distribution(scores)[0] if known else np.empty(0)
    order = np.argsort(-weights, kind="stable")
    ranked = [
        {"itemId": str(model.item_ids[known[o]]), "score": round(float(weights[o]), 6)}
        for o in order
    ]
    return ranked + [{"itemId": item} for item, i in zip(items, index, strict=True) if i < 0]


def keep_mask(
    service: Service,
    target: Target,
    filter_arn: str | None,
    user_id: str | None,
    values: dict[str, str] | None,
    item_id: str | None = None,
) -> np.ndarray | None:
    """The filter's mask over the model's items (None without a filter)."""
    if not filter_arn:
        return None
    found = require(service, FILTER, filter_arn)
    if found.get("status") != "ACTIVE":
        raise InvalidInputException(f"The filter {filter_arn} is in {found.get('status')} status.")
    if found.get("datasetGroupArn") != target.group_arn:
        raise InvalidInputException(
            f"The filter {filter_arn} belongs to another dataset group than the solution's."
        )
    try:
        expression = _compiled(found["filterExpression"])
        data = _filter_data(service, target)
        data.prepare(expression)
        return expression.keep_mask(data, user_id, values or {}, item_id)
    except FilterExpressionError as error:
        raise InvalidInputException(str(error)) from None


@lru_cache(maxsize=256)
def _compiled(expression: str) -> FilterExpression:
    return compile_filter(expression)


def _filter_data(service: Service, target: Target) -> FilterData:
    """FilterData for the group's rows now, rebuilt only when imports or events changed them."""

    def build() -> FilterData:
        group = load_group(service, target.group_arn)
        return FilterData.build(
            group.items, group.users, group.interactions, target.model.item_ids.tolist()
        )

    key = (str(service.settings.data_dir), target.version_arn)
    return _FILTER_DATA.get(key, data_stamp(service, target.group_arn), build)
