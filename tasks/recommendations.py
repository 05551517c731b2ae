"""Real-time recommendations from a campaign: the smoke check run after each promotion."""

from __future__ import annotations

from collections.abc import Sequence

from tasks.aws import AwsSettings, client
from tasks.errors import translated
from tasks.reporting import run_logger
from tasks.retries import personalize_task


class SmokeCheckFailed(RuntimeError):
    """The campaign answered, but not with recommendations for every sampled user."""


def get_recommendations(
    aws: AwsSettings, campaign_arn: str, user_id: str, num_results: int = 10
) -> list[str]:
    """GetRecommendations for one user: the recommended item ids, best first."""
    runtime = client(aws, "personalize-runtime")
    with translated(campaign_arn):
        response = runtime.get_recommendations(
            campaignArn=campaign_arn, userId=user_id, numResults=num_results
        )
    return [item["itemId"] for item in response.get("itemList", [])]


@personalize_task(name="get-action-recommendations")
def get_action_recommendations(
    aws: AwsSettings, campaign_arn: str, user_id: str, num_results: int = 5
) -> list[dict[str, float | str]]:
    """GetActionRecommendations for one user: ``{actionId, score}``, best first."""
    runtime = client(aws, "personalize-runtime")
    with translated(campaign_arn):
        response = runtime.get_action_recommendations(
            campaignArn=campaign_arn, userId=user_id, numResults=num_results
        )
    return [
        {"actionId": action["actionId"], "score": float(action.get("score", 0.0))}
        for action in response.get("actionList", [])
    ]


@personalize_task(name="smoke-check-campaign")
def smoke_check(
    aws: AwsSettings,
    campaign_arn: str,
    user_ids: Sequence[str],
    num_results: int = 10,
    actions: bool = False,
) -> dict[str, list[str]]:
    """Ask the campaign for recommendations (``actions``: next best actions) for each sampled
    user; raise if any gets none.

    Returns user -> recommended items (or action ids), for the run's summary.
    """
    if not user_ids:
        raise SmokeCheckFailed(f"no users to smoke-check {campaign_arn} with")

    def answer(user: str) -> list[str]:
        if actions:
            found = get_action_recommendations.fn(aws, campaign_arn, user, min(num_results, 100))
            return [str(action["actionId"]) for action in found]
        return get_recommendations(aws, campaign_arn, user, num_results)

    answers = {user: answer(user) for user in user_ids}
    empty = sorted(user for user, items in answers.items() if not items)
    if empty:
        raise SmokeCheckFailed(
            f"{campaign_arn} returned no items for {len(empty)} of {len(answers)} sampled "
            f"user(s): {', '.join(empty[:5])}"
        )
    run_logger().info("Smoke check of %s: %d users got items", campaign_arn, len(answers))
    return answers
