"""Promotion: point a solution's campaign at a new version, check it, roll back if needed.

No campaign yet: create it with the new version. Otherwise UpdateCampaign and wait. Then a
smoke check (GetRecommendations for a sample of users must return items). If the update or the
check fails, the campaign is rolled back to the version it served before, and the
:class:`Promotion` says so. An optional human approval (a paused flow run waiting for a typed
:class:`PromotionApproval`) comes before any change.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from prefect.flow_runs import pause_flow_run
from prefect.input import RunInput
from pydantic import Field

from tasks.aws import AwsSettings
from tasks.campaigns import ensure_campaign, rollback_campaign, update_campaign
from tasks.config import SolutionConfig
from tasks.gate import GateDecision
from tasks.recommendations import smoke_check
from tasks.reporting import run_logger
from tasks.resources import describe_resource

APPROVAL_POLL_SECONDS = 2
Outcome = Literal["created", "updated", "rolled back", "failed", "not approved", "unchanged"]


class PromotionApproval(RunInput):
    """What a reviewer answers when a run waits for approval before promoting."""

    approve: bool = Field(description="Promote the new version to the campaign?")
    reviewer: str = Field(default="", description="Who decided (for the lineage record).")
    comment: str = Field(default="", description="Why, in a few words.")


@dataclass
class Promotion:
    """What happened to one campaign."""

    campaign: str
    outcome: Outcome
    serving_version: str | None
    previous_version: str | None
    campaign_arn: str | None = None
    message: str = ""
    sample: dict[str, list[str]] = field(default_factory=dict)
    state: dict[str, Any] | None = None
    """The campaign's description after the promotion (or rollback)."""

    @property
    def ok(self) -> bool:
        """True when the new version serves (or nothing needed to change)."""
        return self.outcome in ("created", "updated", "unchanged")

    def as_dict(self) -> dict[str, object]:
        """Plain data for results and artifacts (the campaign's state is kept apart)."""
        return {key: value for key, value in asdict(self).items() if key != "state"}


def ask_for_approval(decision: GateDecision, timeout_seconds: int) -> PromotionApproval:
    """Pause the flow run until a person answers (in the Prefect UI) or the timeout passes."""
    rows = "\n".join(
        f"| {r['metric']} | {r['result']} | {r['rule']} | {r['serving']} | {r['new']} | {r['change']} | {r['why']} |"
        for r in decision.table()
    )
    description = (
        f"### Promote `{decision.new_version}` for {decision.solution}?\n\n"
        f"{decision.summary()}\n\n| metric | result | rule | serving | new | change | why |\n"
        f"|---|---|---|---|---|---|---|\n{rows}"
    )
    return pause_flow_run(
        wait_for_input=PromotionApproval.with_initial_data(description=description, approve=False),
        timeout=timeout_seconds,
        poll_interval=APPROVAL_POLL_SECONDS,
        key=f"approve-{decision.solution}",
    )


def promote(
    aws: AwsSettings,
    solution: SolutionConfig,
    new_version: str,
    previous_version: str | None,
    sample_users: Sequence[str],
) -> Promotion:
    """Make ``new_version`` serve on the solution's campaign; roll back if it does not work.

    The :class:`Promotion` carries the campaign's state afterwards.
    """
    assert solution.campaign is not None, "promote needs a solution with a campaign"
    if previous_version == new_version:
        return Promotion(solution.campaign.name, "unchanged", new_version, previous_version)
    if previous_version is None:
        promotion = _create(aws, solution, new_version, sample_users)
    else:
        promotion = _update(aws, solution, new_version, previous_version, sample_users)
    promotion.state = describe_resource(aws, "campaign", str(promotion.campaign_arn))
    return promotion


def _create(
    aws: AwsSettings, solution: SolutionConfig, new_version: str, sample_users: Sequence[str]
) -> Promotion:
    """Create the campaign serving ``new_version`` and smoke-check it."""
    assert solution.campaign is not None
    name = solution.campaign.name
    arn = _campaign(aws, solution, new_version)
    try:
        sample = smoke_check(aws, arn, list(sample_users), **_smoke_options(solution))
    except Exception as error:
        message = f"campaign {name} was created but failed its smoke check: {error}"
        run_logger().error(message)
        return Promotion(name, "failed", new_version, None, arn, message)
    return Promotion(name, "created", new_version, None, arn, sample=sample)


def _update(
    aws: AwsSettings,
    solution: SolutionConfig,
    new_version: str,
    previous_version: str,
    sample_users: Sequence[str],
) -> Promotion:
    """Point the campaign at ``new_version`` and smoke-check it; roll back if either fails."""
    assert solution.campaign is not None
    name = solution.campaign.name
    log = run_logger()
    arn = _campaign(aws, solution, previous_version)
    try:
        update_campaign(aws, arn, new_version)
        sample = smoke_check(aws, arn, list(sample_users), **_smoke_options(solution))
    except Exception as error:
        log.error(
            "Promotion of %s failed (%s); rolling back to %s", new_version, error, previous_version
        )
        message = (
            f"promotion of {new_version} to {name} failed ({error}); "
            f"rolled back to {previous_version}"
        )
        rollback_campaign(aws, arn, previous_version, reason=str(error))
        return Promotion(name, "rolled back", previous_version, previous_version, arn, message)
    log.info("Campaign %s now serves %s (was %s)", name, new_version, previous_version)
    return Promotion(name, "updated", new_version, previous_version, arn, sample=sample)


def _campaign(aws: AwsSettings, solution: SolutionConfig, version: str) -> str:
    """The solution's campaign ARN (created serving ``version`` if it does not exist)."""
    campaign = solution.campaign
    assert campaign is not None
    return ensure_campaign(
        aws,
        campaign.name,
        version,
        min_provisioned_tps=campaign.min_provisioned_tps,
        campaign_config=campaign.campaign_config or None,
    )


def _smoke_options(solution: SolutionConfig) -> dict[str, bool]:
    """A next-best-action campaign is smoke-checked with GetActionRecommendations."""
    return {"actions": True} if solution.next_best_action else {}
