"""Real-time recommendations from a campaign: the smoke check run after each promotion, and
next best actions for many users (AWS has no batch job for them: CreateBatchInferenceJob's
documentation says "You can't get batch recommendations with the Trending-Now or
Next-Best-Action recipes", so ``actions_for_users`` asks the campaign user by user)."""

from __future__ import annotations

import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

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
    return _actions(client(aws, "personalize-runtime"), campaign_arn, user_id, num_results)


def _actions(
    runtime: Any, campaign_arn: str, user_id: str, num_results: int, filter_arn: str | None = None
) -> list[dict[str, float | str]]:
    """One GetActionRecommendations call: ``{actionId, score}``, best first."""
    extra = {"filterArn": filter_arn} if filter_arn else {}
    with translated(campaign_arn):
        response = runtime.get_action_recommendations(
            campaignArn=campaign_arn, userId=user_id, numResults=num_results, **extra
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


ACTION_WORKERS = 4
"""Requests in flight at once: within a campaign's 1 TPS minimum only in bursts; raise the
campaign's minProvisionedTPS for large batches (AWS bills the TPS used above it)."""
PROGRESS_EVERY = 500


@personalize_task(name="batch-action-recommendations")
def actions_for_users(
    aws: AwsSettings,
    campaign_arn: str,
    user_ids: Sequence[str],
    num_results: int = 5,
    filter_arn: str | None = None,
) -> list[dict[str, Any]]:
    """GetActionRecommendations for each user: rows (user, rank, action, score), best first; a
    user offered nothing keeps one row of rank 0 and no action, so empty results count."""
    runtime = client(aws, "personalize-runtime")
    logger = run_logger()
    started = time.monotonic()

    def ask(user: str) -> list[dict[str, Any]]:
        found = _actions(runtime, campaign_arn, user, min(num_results, 100), filter_arn)
        if not found:
            return [{"user": user, "rank": 0, "action": None, "score": None}]
        return [
            {"user": user, "rank": rank, "action": a["actionId"], "score": a["score"]}
            for rank, a in enumerate(found, start=1)
        ]

    rows: list[dict[str, Any]] = []
    with ThreadPoolExecutor(max_workers=ACTION_WORKERS) as pool:
        for done, answer in enumerate(pool.map(ask, user_ids), start=1):
            rows.extend(answer)
            if done % PROGRESS_EVERY == 0 or done == len(user_ids):
                logger.info("Next best actions for %d of %d users (%.1f s)", done,
                            len(user_ids), time.monotonic() - started)  # fmt: skip
    return rows
