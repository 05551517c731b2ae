"""Reruns attach to jobs in every status form AWS shows or documents (issue 10, item 2).

Stubbed clients stand in for AWS here because the local service shows only the real service's
forms: botocore's model documents a batch inference job as ``PENDING`` / ``IN PROGRESS`` while
the real service shows ``CREATE PENDING`` / ``CREATE IN_PROGRESS`` (docs/aws-facts.md#statuses, 18
repositories); a campaign update is ``CREATE PENDING`` / ``CREATE IN_PROGRESS``
(CampaignUpdateSummary.status, and the real service). The HTTP path is tested beside the tasks
(test_batch_inference.py, test_campaigns.py).
"""

from __future__ import annotations

from typing import Any

import boto3
import pytest
from botocore.stub import Stubber

import tasks.batch_inference
import tasks.campaigns
from tasks.aws import AwsSettings
from tasks.batch_inference import run_batch_inference
from tasks.campaigns import update_campaign

VERSION = "arn:aws:personalize:us-east-1:000000000000:solution/s/1a2b3c4d"
JOB = "arn:aws:personalize:us-east-1:000000000000:batch-inference-job/nightly"
CAMPAIGN = "arn:aws:personalize:us-east-1:000000000000:campaign/home"


@pytest.fixture
def stubbed(monkeypatch: pytest.MonkeyPatch) -> tuple[Any, Stubber]:
    """A Personalize client under a Stubber, handed to the tasks in place of their own."""
    personalize = boto3.client("personalize", region_name="us-east-1")
    stubber = Stubber(personalize)
    for module in (tasks.batch_inference, tasks.campaigns):
        monkeypatch.setattr(module, "client", lambda aws, name: personalize)
    return personalize, stubber


class RunningBatchJob:
    """A Personalize client whose only batch job is running in ``status``, then ACTIVE.

    Listing (directly or through a paginator) shows it running; each Describe after the first
    shows it ACTIVE; creating a job fails the test (a rerun must attach instead).
    """

    def __init__(self, status: str) -> None:
        self.summary = {"batchInferenceJobArn": JOB, "jobName": "nightly", "status": status,
                        "solutionVersionArn": VERSION, "creationDateTime": 0}  # fmt: skip
        self.describes = 0

    def list_batch_inference_jobs(self, **_: Any) -> dict[str, Any]:
        return {"batchInferenceJobs": [self.summary]}

    def can_paginate(self, name: str) -> bool:
        return name == "list_batch_inference_jobs"

    def get_paginator(self, name: str) -> Any:
        assert name == "list_batch_inference_jobs", name
        return self

    def paginate(self, **params: Any) -> Any:
        return iter([self.list_batch_inference_jobs(**params)])

    def describe_batch_inference_job(self, batchInferenceJobArn: str) -> dict[str, Any]:
        assert batchInferenceJobArn == JOB
        self.describes += 1
        status = self.summary["status"] if self.describes == 1 else "ACTIVE"
        return {"batchInferenceJob": {**self.summary, "status": status}}

    def create_batch_inference_job(self, **_: Any) -> dict[str, Any]:
        raise AssertionError("a rerun started a second batch inference job")


@pytest.mark.parametrize(
    "status", ["CREATE PENDING", "CREATE IN_PROGRESS", "PENDING", "IN PROGRESS"]
)
def test_a_rerun_attaches_to_a_batch_job_in_any_running_form(
    monkeypatch: pytest.MonkeyPatch, status: str
) -> None:
    fake = RunningBatchJob(status)
    monkeypatch.setattr(tasks.batch_inference, "client", lambda aws, name: fake)
    arn = run_batch_inference.fn(
        AwsSettings(), "nightly", VERSION, "s3://b/in.json", "s3://b/out/", "role"
    )
    assert arn == JOB
    assert fake.describes >= 2  # attached and waited until ACTIVE


@pytest.mark.parametrize("status", ["CREATE PENDING", "CREATE IN_PROGRESS"])
def test_a_rerun_attaches_to_a_campaign_update_in_flight(
    stubbed: tuple[Any, Stubber], status: str
) -> None:
    _, stubber = stubbed
    update = {"solutionVersionArn": VERSION, "status": status, "creationDateTime": 0}
    campaign = {
        "campaignArn": CAMPAIGN,
        "solutionVersionArn": "arn:aws:personalize:us-east-1:000000000000:solution/s/0old0old",
        "status": "ACTIVE",
        "minProvisionedTPS": 1,
        "latestCampaignUpdate": update,
    }
    params = {"campaignArn": CAMPAIGN}
    stubber.add_response("describe_campaign", {"campaign": campaign}, params)
    stubber.add_response("describe_campaign", {"campaign": campaign}, params)
    finished = {**campaign, "latestCampaignUpdate": {**update, "status": "ACTIVE"}}
    stubber.add_response("describe_campaign", {"campaign": finished}, params)
    with stubber:
        assert update_campaign.fn(AwsSettings(), CAMPAIGN, VERSION) == CAMPAIGN
    stubber.assert_no_pending_responses()
