"""personalize-runtime: GetActionRecommendations, from a next-best-action campaign.

The campaign's model scores every action for the user (an unknown user gets the most taken
actions); expired actions and those taken within their REPEAT_FREQUENCY are left out
(:mod:`personalize_local.actions`), and the best ``numResults`` (default 5, at most 100) are answered as
``actionList`` of ``{actionId, score}`` with a ``recommendationId``.
"""

from __future__ import annotations

from typing import Any

from personalize_local.actions import RECIPE_TYPE, offerable
from personalize_local.attribution import recommendation_id
from personalize_local.errors import InvalidInputException
from personalize_local.ops import Handler
from personalize_local.service import Call, Service
from personalize_local.serving import best_items, campaign_target, distribution

DEFAULT_ACTIONS = 5
MAX_ACTIONS = 100


def get_action_recommendations(service: Service, call: Call) -> dict[str, Any]:
    p = call.params
    if "campaignArn" not in p:
        raise InvalidInputException("Give the campaignArn of a next-best-action campaign.")
    if "filterArn" in p:
        raise InvalidInputException(
            "Action filters are not supported by the local service; leave filterArn out."
        )
    target = campaign_target(service, p["campaignArn"])
    if target.recipe.recipe_type != RECIPE_TYPE:
        raise InvalidInputException(
            f"The campaign's recipe is {target.recipe.name}; GetActionRecommendations needs a "
            "campaign of a solution trained with aws-next-best-action."
        )
    n = int(p.get("numResults") or DEFAULT_ACTIONS)
    if n > MAX_ACTIONS:
        raise InvalidInputException(f"numResults {n} is above the maximum of {MAX_ACTIONS}.")
    user = p.get("userId")
    if not user:
        raise InvalidInputException("GetActionRecommendations needs a userId.")
    keep = offerable(service, target.group_arn, target.model.item_ids, user)
    scores = distribution(target.model.scores_for_user(user))[0]
    best = best_items(target, scores, n, keep)
    return {
        "actionList": [{"actionId": b["itemId"], "score": b["score"]} for b in best],
        "recommendationId": recommendation_id(p["campaignArn"], target.version_arn),
    }


HANDLERS: dict[str, Handler] = {
    "GetActionRecommendations": get_action_recommendations,
}
INLINE = frozenset({"GetActionRecommendations"})
