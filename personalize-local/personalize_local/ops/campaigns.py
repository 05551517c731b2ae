"""CreateCampaign, DescribeCampaign, ListCampaigns, UpdateCampaign, DeleteCampaign.

An update runs as ``latestCampaignUpdate`` (``CREATE PENDING`` -> ``CREATE IN_PROGRESS`` ->
``ACTIVE`` | ``CREATE FAILED``, botocore's CampaignUpdateSummary.status and the real service);
the campaign keeps serving its old solution version until the update is ACTIVE, and after a
failed one. A campaign created with ``<solution>/$LATEST`` and
``campaignConfig.syncWithLatestSolutionVersion`` follows the solution's newest ACTIVE version.
"""

from __future__ import annotations

from typing import Any

from personalize_local import exploration
from personalize_local.engine.model_files import load_model
from personalize_local.errors import InvalidInputException, ResourceInUseException
from personalize_local.jobs import Job, JobFailed, Work
from personalize_local.kinds import CAMPAIGN, SOLUTION, SOLUTION_VERSION
from personalize_local.ops import Handler
from personalize_local.records import Campaign, SolutionVersion
from personalize_local.resources import (
    create_tags,
    delete_unless_updating,
    listed,
    require,
    require_active,
    start_create,
    start_update,
    updating,
)
from personalize_local.service import Call, Service

KIND = CAMPAIGN
LATEST = "$LATEST"


def create_campaign(service: Service, call: Call) -> dict[str, Any]:
    p = call.params
    config = p.get("campaignConfig", {})
    version = _version(service, p["solutionVersionArn"], config)
    exploration.check(config, version["recipeArn"].rsplit("/", 1)[-1])
    tags = create_tags(p)
    arn = call.arn(f"campaign/{p['name']}")
    body: Campaign = {
        "name": p["name"],
        "campaignArn": arn,
        "solutionVersionArn": version["solutionVersionArn"],
        "minProvisionedTPS": p.get("minProvisionedTPS", 1),
        "campaignConfig": p.get("campaignConfig", {}),
        "status": "CREATE PENDING",
    }
    start_create(service, KIND, arn, body, tags, parent=version["solutionArn"])
    return {"campaignArn": arn}


def describe_campaign(service: Service, call: Call) -> dict[str, Any]:
    campaign = require(service, KIND, call.params["campaignArn"])
    return {"campaign": _follow_latest(service, campaign)}


def _version(service: Service, arn: str, config: dict[str, Any]) -> SolutionVersion:
    """The ACTIVE solution version to deploy: ``arn``, or the latest of ``<solution>/$LATEST``.

    CreateCampaignRequest.solutionVersionArn (botocore): "To specify the latest solution
    version of your solution, specify the ARN of your solution in SolutionArn/$LATEST format.
    You must use this format if you set syncWithLatestSolutionVersion to True".
    """
    solution, _, tail = arn.rpartition("/")
    if tail != LATEST:
        if config.get("syncWithLatestSolutionVersion"):
            raise InvalidInputException(
                "campaignConfig.syncWithLatestSolutionVersion needs solutionVersionArn in "
                f"SolutionArn/$LATEST format, not {arn}."
            )
        return require_active(service, SOLUTION_VERSION, arn)
    require(service, SOLUTION, solution)
    latest = _latest_active(service, solution)
    if latest is None:
        raise InvalidInputException(f"The solution {solution} has no ACTIVE solution version.")
    return latest


def _latest_active(service: Service, solution: str) -> SolutionVersion | None:
    active = [v for v in listed(service, SOLUTION_VERSION, solution) if v["status"] == "ACTIVE"]
    return active[-1] if active else None


def _follow_latest(service: Service, campaign: Campaign) -> Campaign:
    """A campaign that syncs with its solution's latest version starts updating to a newer one.

    CampaignConfig.syncWithLatestSolutionVersion (botocore): "Whether the campaign
    automatically updates to use the latest solution version (trained model) of a solution";
    the local service notices a newer ACTIVE version when the campaign is described.
    """
    config = campaign.get("campaignConfig") or {}
    if not config.get("syncWithLatestSolutionVersion") or campaign["status"] != "ACTIVE":
        return campaign
    if updating(KIND, campaign):
        return campaign
    solution = campaign["solutionVersionArn"].rsplit("/", 1)[0]
    latest = _latest_active(service, solution)
    if latest is None or latest["solutionVersionArn"] == campaign["solutionVersionArn"]:
        return campaign
    return _start_update(service, campaign, latest["solutionVersionArn"], {})


def update_campaign(service: Service, call: Call) -> dict[str, Any]:
    p = call.params
    arn = p["campaignArn"]
    campaign = require(service, KIND, arn)
    if campaign["status"] not in ("ACTIVE", "CREATE FAILED"):
        raise ResourceInUseException(
            f"The campaign {arn} is in {campaign['status']} status; it can be updated only "
            "when ACTIVE or CREATE FAILED."
        )
    config = p.get("campaignConfig", campaign.get("campaignConfig", {}))
    version = _version(service, p.get("solutionVersionArn", campaign["solutionVersionArn"]), config)
    version_arn = version["solutionVersionArn"]
    exploration.check(config, version["recipeArn"].rsplit("/", 1)[-1])
    serving = require(service, SOLUTION_VERSION, campaign["solutionVersionArn"])
    if version["datasetGroupArn"] != serving["datasetGroupArn"]:
        raise InvalidInputException(
            f"The solution version {version_arn} belongs to another dataset group than the "
            f"campaign's ({serving['datasetGroupArn']})."
        )
    _start_update(service, campaign, version_arn, p)
    return {"campaignArn": arn}


def _start_update(
    service: Service, campaign: Campaign, version_arn: str, params: dict[str, Any]
) -> Campaign:
    """Store a new ``latestCampaignUpdate`` in CREATE PENDING and start it; the campaign."""
    changes = {
        "solutionVersionArn": version_arn,
        "minProvisionedTPS": params.get("minProvisionedTPS", campaign["minProvisionedTPS"]),
        "campaignConfig": params.get("campaignConfig", campaign.get("campaignConfig", {})),
    }
    return start_update(service, KIND, campaign["campaignArn"], changes, "UPDATE")


def delete_campaign(service: Service, call: Call) -> dict[str, Any]:
    return delete_unless_updating(service, KIND, call.params["campaignArn"])


def _deploy(job: Job) -> None:
    """Load the model into memory so that the first request is fast."""
    _load(job, job.record(KIND)["solutionVersionArn"])


def _redeploy(job: Job) -> dict[str, Any]:
    """Load the new model; the campaign switches to it when the update turns ACTIVE."""
    update = job.record(KIND)["latestCampaignUpdate"]
    _load(job, update["solutionVersionArn"])
    return {
        "solutionVersionArn": update["solutionVersionArn"],
        "minProvisionedTPS": update["minProvisionedTPS"],
        "campaignConfig": update["campaignConfig"],
        "status": "ACTIVE",
        "failureReason": None,
    }


def _load(job: Job, version_arn: str) -> None:
    try:
        load_model(job.service, version_arn)
    except FileNotFoundError:
        raise JobFailed(f"The solution version {version_arn} has no trained model.") from None


HANDLERS: dict[str, Handler] = {
    "CreateCampaign": create_campaign,
    "DescribeCampaign": describe_campaign,
    "UpdateCampaign": update_campaign,
    "DeleteCampaign": delete_campaign,
}
JOBS: dict[tuple[str, str], Work] = {
    (KIND.name, "CREATE"): _deploy,
    (KIND.name, "UPDATE"): _redeploy,
}
