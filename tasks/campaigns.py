"""Campaigns: create, point at a new solution version, roll back, and tell what serves now.

``update_campaign`` attaches to an update already deploying the same version, waits out one
deploying another version first, and does nothing when the campaign already serves the version.
"""

from __future__ import annotations

from typing import Any

from tasks.aws import AwsSettings, client
from tasks.errors import DriftError, translated
from tasks.polling import finished_seconds
from tasks.preflight import latest_sync_problem
from tasks.reporting import artifact_key, in_run, run_logger
from tasks.resources import IN_FLIGHT, Wanted, ensure, find
from tasks.retries import personalize_task
from tasks.waiter import describe, lookup, wait_for


@personalize_task()
def ensure_campaign(
    aws: AwsSettings,
    name: str,
    solution_version_arn: str,
    min_provisioned_tps: int = 1,
    campaign_config: dict[str, Any] | None = None,
) -> str:
    """The ARN of the ACTIVE campaign ``name`` (created serving ``solution_version_arn``).

    An existing campaign keeps the version it serves (changing it is ``update_campaign``'s
    job); a different throughput or campaign config is reported as drift.
    """
    personalize = client(aws, "personalize")
    solution_arn = solution_version_arn.rsplit("/", 1)[0]
    settings: dict[str, Any] = {"minProvisionedTPS": min_provisioned_tps}
    if campaign_config:
        settings["campaignConfig"] = campaign_config

    wanted = Wanted("campaign", name, settings, solution_arn)

    def create() -> str:
        with translated(wanted.label):
            response = personalize.create_campaign(
                name=name, solutionVersionArn=solution_version_arn, **settings
            )
        return str(response["campaignArn"])

    arn, _ = ensure(personalize, wanted, create)
    problem = latest_sync_problem(describe(personalize, "campaign", arn))
    if problem:  # it would deploy every new version without the gate
        raise DriftError(f"{wanted.label} ({arn}) {problem[0]} {problem[1]}")
    return arn


@personalize_task()
def update_campaign(
    aws: AwsSettings,
    campaign_arn: str,
    solution_version_arn: str,
    min_provisioned_tps: int | None = None,
    deadline_seconds: float | None = None,
) -> str:
    """Point the campaign at ``solution_version_arn`` and wait until the update is ACTIVE.

    Raises :class:`~tasks.waiter.ResourceFailedError` with AWS's reason if the update fails.
    """
    personalize = client(aws, "personalize")
    logger = run_logger()
    campaign = describe(personalize, "campaign", campaign_arn)
    if campaign.get("status") in IN_FLIGHT:
        logger.info("Campaign %s is still being created; waiting for it", campaign_arn)
        campaign = wait_for(personalize, "campaign", campaign_arn).resource
    update = campaign.get("latestCampaignUpdate") or {}
    if update.get("status") in IN_FLIGHT:
        if update.get("solutionVersionArn") == solution_version_arn:
            logger.info("Attaching to the update already deploying %s", solution_version_arn)
            wait_for(
                personalize, "campaign-update", campaign_arn, deadline_seconds=deadline_seconds
            )
            return campaign_arn
        logger.info("Another update is deploying on %s; waiting for it first", campaign_arn)
        campaign = wait_for(
            personalize, "campaign-update", campaign_arn, deadline_seconds=deadline_seconds
        ).resource
    wanted_tps = min_provisioned_tps or campaign.get("minProvisionedTPS")
    if _serving(campaign) == solution_version_arn and wanted_tps == campaign.get(
        "minProvisionedTPS"
    ):
        logger.info("Campaign %s already serves %s", campaign_arn, solution_version_arn)
        return campaign_arn
    extra: dict[str, Any] = (
        {"minProvisionedTPS": min_provisioned_tps} if min_provisioned_tps else {}
    )
    with translated(f"campaign {campaign_arn}"):
        personalize.update_campaign(
            campaignArn=campaign_arn, solutionVersionArn=solution_version_arn, **extra
        )
    logger.info("Updating campaign %s to %s", campaign_arn, solution_version_arn)
    wait_for(
        personalize,
        "campaign-update",
        campaign_arn,
        deadline_seconds=deadline_seconds,
        prior_seconds=finished_seconds(campaign.get("latestCampaignUpdate") or {}),
    )
    return campaign_arn


@personalize_task()
def rollback_campaign(
    aws: AwsSettings, campaign_arn: str, solution_version_arn: str, reason: str
) -> str:
    """Point the campaign back at ``solution_version_arn``, leaving an artifact saying why."""
    personalize = client(aws, "personalize")
    previous = _serving(describe(personalize, "campaign", campaign_arn))
    run_logger().warning(
        "Rolling campaign %s back from %s to %s: %s",
        campaign_arn,
        previous,
        solution_version_arn,
        reason,
    )
    update_campaign.fn(aws, campaign_arn, solution_version_arn)
    if in_run():
        from prefect.artifacts import create_markdown_artifact

        create_markdown_artifact(
            f"## Campaign rolled back\n\n"
            f"- campaign: `{campaign_arn}`\n- from: `{previous}`\n"
            f"- to: `{solution_version_arn}`\n- why: {reason}\n",
            key=artifact_key("rollback", campaign_arn.rsplit("/", 1)[-1]),
            description=f"Rollback of {campaign_arn}",
        )
    return campaign_arn


@personalize_task()
def serving_solution_version(aws: AwsSettings, campaign_name: str) -> str | None:
    """The solution version the campaign ``campaign_name`` serves, or None if no such campaign."""
    personalize = client(aws, "personalize")
    found = find(personalize, "campaign", Wanted("campaign", campaign_name).matches)
    if found is None:
        return None
    return _serving(describe(personalize, "campaign", found["campaignArn"]))


def _serving(campaign: dict[str, Any]) -> str | None:
    """The version answering requests: the latest update's once ACTIVE, else the campaign's."""
    update = campaign.get("latestCampaignUpdate") or {}
    if update.get("status") == "ACTIVE" and update.get("solutionVersionArn"):
        return str(update["solutionVersionArn"])
    version = lookup(campaign, "solutionVersionArn")
    return str(version) if version else None
