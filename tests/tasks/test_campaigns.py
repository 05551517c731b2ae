"""Campaigns over HTTP: create, rerun, drift, update (attach, no-op, failure), roll back, serving."""

from __future__ import annotations

import logging
from typing import Any

import boto3
import pytest

from tasks.aws import AwsSettings
from tasks.campaigns import (
    ensure_campaign,
    rollback_campaign,
    serving_solution_version,
    update_campaign,
)
from tasks.waiter import ResourceFailedError
from tests.tasks.conftest import Trained


def test_create_update_rollback_and_serving(trained: Trained, unique: str) -> None:
    aws, (first, second) = trained.aws, trained.versions
    personalize = boto3.client("personalize")
    name = f"c-{unique}"
    assert serving_solution_version(aws, name) is None

    arn = ensure_campaign(aws, name, first)
    assert ensure_campaign(aws, name, first) == arn  # rerun: no duplicate
    campaigns = personalize.list_campaigns(solutionArn=trained.solution)["campaigns"]
    assert [c["name"] for c in campaigns].count(name) == 1
    assert serving_solution_version(aws, name) == first

    assert update_campaign(aws, arn, second) == arn
    assert serving_solution_version(aws, name) == second
    update_campaign(aws, arn, second)  # already serving it: nothing to do
    updated = personalize.describe_campaign(campaignArn=arn)["campaign"]
    assert updated["latestCampaignUpdate"]["solutionVersionArn"] == second

    rollback_campaign(aws, arn, first, reason="gate failed on the live metrics")
    assert serving_solution_version(aws, name) == first


def test_throughput_drift_is_reported_not_fatal(
    trained: Trained, unique: str, caplog: pytest.LogCaptureFixture
) -> None:
    aws, first = trained.aws, trained.versions[0]
    arn = ensure_campaign(aws, f"tps-{unique}", first, min_provisioned_tps=1)
    with caplog.at_level(logging.WARNING):
        assert ensure_campaign(aws, f"tps-{unique}", first, min_provisioned_tps=5) == arn
    assert "minProvisionedTPS: configured 5, live 1" in caplog.text


def test_a_failed_update_surfaces_its_reason_and_keeps_serving(
    trained: Trained, unique: str, faults: Any
) -> None:
    aws, (first, second) = trained.aws, trained.versions
    arn = ensure_campaign(aws, f"f-{unique}", first)
    faults({"fail_next": {"campaign": "Capacity unavailable in the region"}})
    with pytest.raises(ResourceFailedError) as failed:
        update_campaign(aws, arn, second)
    assert failed.value.reason == "Capacity unavailable in the region"
    assert serving_solution_version(aws, f"f-{unique}") == first


def test_an_update_in_flight_is_attached_to(
    slow_aws: AwsSettings, slow_trained: Trained, unique: str
) -> None:
    (version,) = slow_trained.versions
    personalize = boto3.client("personalize")
    arn = ensure_campaign(slow_aws, f"a-{unique}", version)
    personalize.update_campaign(campaignArn=arn, solutionVersionArn=version, minProvisionedTPS=2)

    # Attaches to the update in flight (a second UpdateCampaign would be refused meanwhile).
    assert update_campaign(slow_aws, arn, version, min_provisioned_tps=2) == arn

    campaign = personalize.describe_campaign(campaignArn=arn)["campaign"]
    assert campaign["latestCampaignUpdate"]["status"] == "ACTIVE"
    assert campaign["minProvisionedTPS"] == 2


def test_the_next_update_is_expected_to_take_as_long_as_the_previous(
    slow_aws: AwsSettings, slow_trained: Trained, unique: str, caplog: pytest.LogCaptureFixture
) -> None:
    (version,) = slow_trained.versions
    personalize = boto3.client("personalize")
    arn = ensure_campaign(slow_aws, f"p-{unique}", version)
    update_campaign(slow_aws, arn, version, min_provisioned_tps=2)
    previous = personalize.describe_campaign(campaignArn=arn)["campaign"]["latestCampaignUpdate"]
    took = (previous["lastUpdatedDateTime"] - previous["creationDateTime"]).total_seconds()
    with caplog.at_level("INFO", logger="tasks"):
        update_campaign.fn(slow_aws, arn, version, min_provisioned_tps=3)
    assert f"Expecting about {took:.1f}s from earlier jobs" in caplog.text
