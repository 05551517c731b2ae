"""personalize-runtime: GetRecommendations and GetPersonalizedRanking (the hot path, inline)."""

from __future__ import annotations

from typing import Any

from emulator.attribution import recommendation_id
from emulator.errors import InvalidInputException
from emulator.ops import Handler
from emulator.ops.recommenders import domain_keep, recommender_target
from emulator.service import Call, Service
from emulator.serving import (
    best_items,
    campaign_target,
    distribution,
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
    return {
        "itemList": best_items(target, distribution(scores)[0], n, keep),
        "recommendationId": recommendation_id(source, target.version_arn),
    }


def get_personalized_ranking(service: Service, call: Call) -> dict[str, Any]:
    p = call.params
    target = campaign_target(service, p["campaignArn"])
    if target.recipe.recipe_type != "PERSONALIZED_RANKING":
        raise InvalidInputException(
            f"The campaign's recipe is {target.recipe.recipe_type}: use GetRecommendations."
        )
    keep = keep_mask(service, target, p.get("filterArn"), p["userId"], p.get("filterValues"))
    return {
        "personalizedRanking": rank(target, p["userId"], p["inputList"], keep),
        "recommendationId": recommendation_id(p["campaignArn"], target.version_arn),
    }


HANDLERS: dict[str, Handler] = {
    "GetRecommendations": get_recommendations,
    "GetPersonalizedRanking": get_personalized_ranking,
}
INLINE = frozenset({"GetRecommendations", "GetPersonalizedRanking"})
