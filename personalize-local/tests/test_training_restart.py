"""On a private service: stopping a training, and trained models serving after a restart."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import boto3
import pytest

from personalize_local.process import LocalService
from personalize_local.testing.helpers import error_of, grant_bucket
from personalize_local.testing.training_setup import (
    active_campaign,
    active_solution,
    loaded_group,
    recommended,
    settled,
    train,
)

pytestmark = pytest.mark.slow


def _client(service: LocalService, name: str) -> Any:
    variable = "AWS_ENDPOINT_URL_" + name.upper().replace("-", "_")
    return boto3.client(name, endpoint_url=service.env[variable])


def test_stop_training_then_restart_keeps_models_serving(tmp_path: Path) -> None:
    # Scaled latency: a training takes a few seconds, long enough to be stopped.
    with LocalService(tmp_path, latency="0.0002") as first:
        personalize, s3 = _client(first, "personalize"), _client(first, "s3")
        s3.create_bucket(Bucket="restart-tests")
        grant_bucket(s3, "restart-tests")
        group = loaded_group(personalize, s3, "restart-tests", "restart")
        solution = active_solution(personalize, group, "restart", "aws-user-personalization-v2")

        stopped = personalize.create_solution_version(solutionArn=solution)["solutionVersionArn"]
        personalize.stop_solution_version_creation(solutionVersionArn=stopped)
        assert personalize.describe_solution_version(solutionVersionArn=stopped)["solutionVersion"][
            "status"
        ] in ("CREATE STOPPING", "CREATE STOPPED")
        final = settled(
            lambda: personalize.describe_solution_version(solutionVersionArn=stopped)[
                "solutionVersion"
            ]
        )
        assert final["status"] == "CREATE STOPPED"

        version = train(personalize, solution)
        assert version["status"] == "ACTIVE"
        code, _ = error_of(personalize.stop_solution_version_creation,
                           solutionVersionArn=version["solutionVersionArn"])  # fmt: skip
        assert code == "ResourceInUseException"
        campaign = active_campaign(personalize, "restart", version["solutionVersionArn"])
        before = recommended(_client(first, "personalize-runtime"), campaign, "u5")

    with LocalService(tmp_path) as second:
        runtime = _client(second, "personalize-runtime")
        assert recommended(runtime, campaign, "u5") == before
        metrics = _client(second, "personalize").get_solution_metrics(
            solutionVersionArn=version["solutionVersionArn"]
        )["metrics"]
        assert metrics["precision_at_10"] > 0
