"""personalize-runtime: GetRecommendations and GetPersonalizedRanking (the hot path, inline).

A GetRecommendations answer is the model's best items under the request's filter, then, when
asked for: exploration (:mod:`personalize_local.exploration`), a promotion (:mod:`personalize_local.promotions`)
and item metadata (:mod:`personalize_local.item_metadata`). Every answer carries a ``recommendationId``
(:mod:`personalize_local.attribution`), and its items are remembered as the implicit impressions of
events sent back with it (:mod:`personalize_local.impressions`). Without those options a request does
what it did before them: one more dict insert.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from personalize_local.attribution import recommendation_id
from personalize_local.engine.model import top_k
from personalize_local.errors import InvalidInputException
from personalize_local.exploration import explore
from personalize_local.impressions import remember
from personalize_local.item_metadata import requested_columns, with_metadata
from personalize_local.ops import Handler
from personalize_local.ops.recommenders import domain_keep, recommender_target
from personalize_local.promotions import promote
from personalize_local.service import Call, Service
from personalize_local.serving import (
    Target,
    campaign_target,
    distribution,
    items_of,
    keep_mask,
    rank,
    result_count,
)


def get_recommendations(service: Service, call: Call) -> dict[str, Any]:
    p = call.params
    if ("recommenderArn" in p) == ("campaignArn" in p):
        raise InvalidInputException("Give either a campaignArn or a recommenderArn.")
    if "recommenderArn" in p:
        target = recommender_target(service, p["recommenderArn"])
    else:
        target = campaign_target(service, p["campaignArn"])
    source = p.get("recommenderArn") or p["campaignArn"]
    n = result_count(p)
    columns = requested_columns(p, target.config, source, n)
    kind = target.recipe.recipe_type
    if kind == "RELATED_ITEMS":
        if "itemId" not in p:
            raise InvalidInputException(f"The campaign's recipe is {kind}: give an itemId.")
        raw = target.model.related_scores(p["itemId"])
        scores = target.model.popularity if raw is None else raw
    elif kind == "USER_PERSONALIZATION":
        if "userId" not in p:
            raise InvalidInputException(f"The campaign's recipe is {kind}: give a userId.")
        scores = target.model.scores_for_user(p["userId"])
    else:
        raise InvalidInputException(
            f"The campaign's recipe is {kind}: use "
            f"{'GetActionRecommendations' if kind == 'NEXT_BEST_ACTION' else 'GetPersonalizedRanking'}"
            " instead."
        )
    keep = keep_mask(
        service, target, p.get("filterArn"), p.get("userId"), p.get("filterValues"), p.get("itemId")
    )
    keep = domain_keep(target, p, keep)
    weights = distribution(scores)[0]
    reasons: dict[int, str] = {}
    chosen = explore(service, target, top_k(weights, n, keep), weights, keep, n, reasons)
    promotion = (p.get("promotions") or [None])[0]
    promoted: set[int] = set()
    if promotion:
        chosen, promoted = _promote(service, target, p, promotion, chosen, weights, keep, n)
    items = items_of(target, weights, chosen)
    if promoted or reasons:
        _mark(target, chosen, items, promoted, promotion or {}, reasons)
    rid = recommendation_id(source, target.version_arn)
    remember(rid, [item["itemId"] for item in items])
    return {
        "itemList": with_metadata(service, target.group_arn, items, columns),
        "recommendationId": rid,
    }


def _mark(
    target: Target,
    chosen: np.ndarray,
    items: list[dict[str, Any]],
    promoted: set[int],
    promotion: dict[str, Any],
    reasons: dict[int, str],
) -> None:
    """Name the promotion on promoted items; give User-Personalization-v2 items their reason."""
    v2 = target.recipe.name == "aws-user-personalization-v2"
    for index, item in zip(chosen.tolist(), items, strict=True):
        if index in promoted:
            item["promotionName"] = promotion.get("name", "")
            reasons[index] = "Promoted item"
        if v2 and index in reasons:
            item["reason"] = [reasons[index]]


def _promote(
    service: Service,
    target: Target,
    p: dict[str, Any],
    promotion: dict[str, Any],
    chosen: np.ndarray,
    weights: np.ndarray,
    keep: np.ndarray | None,
    n: int,
) -> tuple[np.ndarray, set[int]]:
    def mask_of(arn: str, values: dict[str, str] | None) -> np.ndarray | None:
        return keep_mask(service, target, arn, p.get("userId"), values, p.get("itemId"))

    return promote(promotion, chosen, weights, keep, n, mask_of)


def get_personalized_ranking(service: Service, call: Call) -> dict[str, Any]:
    p = call.params
    target = campaign_target(service, p["campaignArn"])
    if target.recipe.recipe_type != "PERSONALIZED_RANKING":
        raise InvalidInputException(
            f"The campaign's recipe is {target.recipe.recipe_type}: use GetRecommendations."
        )
    keep = keep_mask(service, target, p.get("filterArn"), p["userId"], p.get("filterValues"))
    columns = requested_columns(p, target.config, p["campaignArn"], len(p["inputList"]))
    ranked = rank(target, p["userId"], p["inputList"], keep)
    rid = recommendation_id(p["campaignArn"], target.version_arn)
    remember(rid, [item["itemId"] for item in ranked])
    return {
        "personalizedRanking": with_metadata(service, target.group_arn, ranked, columns),
        "recommendationId": rid,
    }


HANDLERS: dict[str, Handler] = {
    "GetRecommendations": get_recommendations,
    "GetPersonalizedRanking": get_personalized_ranking,
}
INLINE = frozenset({"GetRecommendations", "GetPersonalizedRanking"})
