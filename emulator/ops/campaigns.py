"""CreateCampaign, DescribeCampaign, ListCampaigns, UpdateCampaign, DeleteCampaign.

An update runs as ``latestCampaignUpdate`` (``UPDATE PENDING`` -> ``UPDATE IN_PROGRESS`` ->
``ACTIVE`` | ``UPDATE FAILED``); the campaign keeps serving its old solution version until the
update is ACTIVE, and after a failed one.
"""

from __future__ import annotations

import time
from typing import Any

from emulator.engine.storage import load_model
from emulator.errors import InvalidInputException, ResourceInUseException
from emulator.jobs import Job, JobFailed, Work
from emulator.ops import Handler
from emulator.resources import (
    create_tags,
    delete_when_unused,
    in_flight,
    page,
    require,
    require_active,
)
from emulator.service import Call, Service

KIND = "campaign"
UPDATE_STATUS = "latestCampaignUpdate.status"


def create_campaign(service: Service, call: Call) -> dict[str, Any]:
    p = call.params
    version = require_active(service, "solution-version", p["solutionVersionArn"])
    tags = create_tags(p)
    arn = call.arn(f"campaign/{p['name']}")
    body: dict[str, Any] = {
        "name": p["name"],
        "campaignArn": arn,
        "solutionVersionArn": p["solutionVersionArn"],
        "minProvisionedTPS": p.get("minProvisionedTPS", 1),
        "campaignConfig": p.get("campaignConfig", {}),
        "status": "CREATE PENDING",
    }
    service.store.create(arn, KIND, body, parent=version["solutionArn"])
    service.store.set_tags(arn, tags)
    service.lifecycle.begin(arn)
    return {"campaignArn": arn}


def describe_campaign(service: Service, call: Call) -> dict[str, Any]:
    return {"campaign": require(service, KIND, call.params["campaignArn"])}


def list_campaigns(service: Service, call: Call) -> dict[str, Any]:
    solution = call.params.get("solutionArn")
    if solution:
        require(service, "solution", solution)
    return page(service.store.list_kind(KIND, parent=solution), call.params, "campaigns")


def update_campaign(service: Service, call: Call) -> dict[str, Any]:
    p = call.params
    arn = p["campaignArn"]
    campaign = require(service, KIND, arn)
    if campaign["status"] not in ("ACTIVE", "CREATE FAILED"):
        raise ResourceInUseException(
            f"The campaign {arn} is in {campaign['status']} status; it can be updated only "
            "when ACTIVE or CREATE FAILED."
        )
    if in_flight(campaign.get("latestCampaignUpdate", {})):
        raise ResourceInUseException(f"The campaign {arn} is already being updated.")
    version_arn = p.get("solutionVersionArn", campaign["solutionVersionArn"])
    version = require_active(service, "solution-version", version_arn)
    serving = require(service, "solution-version", campaign["solutionVersionArn"])
    if version["datasetGroupArn"] != serving["datasetGroupArn"]:
        raise InvalidInputException(
            f"The solution version {version_arn} belongs to another dataset group than the "
            f"campaign's ({serving['datasetGroupArn']})."
        )
    now = time.time()
    update = {
        "solutionVersionArn": version_arn,
        "minProvisionedTPS": p.get("minProvisionedTPS", campaign["minProvisionedTPS"]),
        "campaignConfig": p.get("campaignConfig", campaign.get("campaignConfig", {})),
        "status": "UPDATE PENDING",
        "creationDateTime": now,
        "lastUpdatedDateTime": now,
    }
    service.store.update(arn, {"latestCampaignUpdate": update})
    service.lifecycle.begin(arn, "UPDATE", UPDATE_STATUS)
    return {"campaignArn": arn}


def delete_campaign(service: Service, call: Call) -> dict[str, Any]:
    arn = call.params["campaignArn"]
    if in_flight(require(service, KIND, arn).get("latestCampaignUpdate", {})):
        raise ResourceInUseException(f"Cannot delete the campaign {arn} while it is updating.")
    delete_when_unused(service, KIND, arn)
    return {}


def _deploy(job: Job) -> None:
    """Load the model into memory so that the first request is fast."""
    _load(job, job.body["solutionVersionArn"])


def _redeploy(job: Job) -> dict[str, Any]:
    """Load the new model; the campaign switches to it when the update turns ACTIVE."""
    update = job.body["latestCampaignUpdate"]
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
    "ListCampaigns": list_campaigns,
    "UpdateCampaign": update_campaign,
    "DeleteCampaign": delete_campaign,
}
JOBS: dict[tuple[str, str], Work] = {
    (KIND, "CREATE"): _deploy,
    (KIND, "UPDATE"): _redeploy,
}
