"""The pipeline and Personalize's automatic training, over HTTP.

AWS turns automatic training on by default (botocore's CreateSolutionRequest.performAutoTraining:
"The default is True"), so ``ensure_solution`` always says what the configuration asks for; and
a version automatic training made (SolutionVersion.trainingType AUTOMATIC) is never taken by
``train_solution_version`` as the run's own.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

import tasks.solution_versions
from tasks.aws import AwsSettings
from tasks.budget import month_hours
from tasks.config import SolutionConfig
from tasks.cost_settings import Prices
from tasks.costs import IN_FLIGHT, between_runs_lines
from tasks.solution_versions import train_solution_version
from tasks.solutions import ensure_solution
from tests.tasks.helpers import Loaded

UP = "arn:aws:personalize:::recipe/aws-user-personalization-v2"
HPO = {
    "algorithmHyperParameterRanges": {
        "integerHyperParameterRanges": [
            {"name": "min_cointeraction_count", "minValue": 1, "maxValue": 5}
        ]
    },
    "hpoResourceConfig": {"maxNumberOfTrainingJobs": "3"},
}


@pytest.mark.slow
def test_solutions_train_on_their_own_only_when_configured(aws: AwsSettings, unique: str) -> None:
    personalize = boto3.client("personalize")
    group = personalize.create_dataset_group(name=f"at-{unique}")["datasetGroupArn"]
    plain = SolutionConfig(name="plain", recipe="aws-user-personalization-v2")
    weekly = SolutionConfig(name="weekly", recipe="aws-user-personalization-v2",
                            auto_training_days=5)  # fmt: skip
    arns = {
        s.name: ensure_solution(
            aws, group, f"{s.name}-{unique}", s.recipe_arn, solution_config=s.solution_config()
        )
        for s in (plain, weekly)
    }
    described = {
        name: personalize.describe_solution(solutionArn=arn)["solution"]
        for name, arn in arns.items()
    }
    assert described["plain"]["performAutoTraining"] is False
    assert described["weekly"]["performAutoTraining"] is True
    schedule = described["weekly"]["solutionConfig"]["autoTrainingConfig"]
    assert schedule == {"schedulingExpression": "rate(5 days)"}
    tuned = SolutionConfig(name="tuned", recipe="aws-sims", perform_hpo=True, hpo_config=HPO)
    assert SolutionConfig(name="x", recipe="aws-sims", hpo_config=HPO).solution_config() == {}
    arn = ensure_solution(aws, group, f"tuned-{unique}", tuned.recipe_arn,
                          solution_config=tuned.solution_config(), perform_hpo=True)  # fmt: skip
    solution = personalize.describe_solution(solutionArn=arn)["solution"]
    assert solution["performHPO"] and solution["solutionConfig"]["hpoConfig"] == HPO
    # A second ensure finds them as they are: no drift.
    again = ensure_solution(aws, group, f"weekly-{unique}", UP,
                            solution_config=weekly.solution_config())  # fmt: skip
    assert again == arns["weekly"]


@pytest.mark.slow
def test_an_automatic_training_in_flight_is_waited_out_not_taken(
    slow_aws: AwsSettings, slow_loaded: Loaded, unique: str
) -> None:
    # At latency 0.002 the first automatic training starts 7.2 s after the solution is created
    # and takes 7.2 s: the task finds it in flight.
    daily = SolutionConfig(name="d", recipe="aws-user-personalization-v2", auto_training_days=1)
    before = datetime.now(UTC)
    solution = ensure_solution(slow_aws, slow_loaded.group, f"auto-{unique}", UP,
                               solution_config=daily.solution_config())  # fmt: skip
    personalize = boto3.client("personalize")
    automatic = _automatic_in_flight(personalize, solution)
    group = personalize.describe_dataset_group(datasetGroupArn=slow_loaded.group)
    name = group["datasetGroup"]["name"]
    # A record made now leaves it to a later one: its hours are not known yet.
    (training,) = between_runs_lines(slow_aws, Prices(), name, before, set())
    assert (training.subject, training.quantity, training.note) == (automatic, None, IN_FLIGHT)

    arn = train_solution_version(slow_aws, solution)

    assert arn != automatic
    version = personalize.describe_solution_version(solutionVersionArn=arn)["solutionVersion"]
    assert (version["trainingType"], version["status"]) == ("MANUAL", "ACTIVE")
    waited = personalize.describe_solution_version(solutionVersionArn=automatic)
    assert waited["solutionVersion"]["status"] == "ACTIVE"
    # The next cost record bills the automatic training, as the service reports its hours.
    lines = between_runs_lines(slow_aws, Prices(), name, before, {arn})
    hours = waited["solutionVersion"]["trainingHours"]
    assert [(line.item, line.subject, line.quantity) for line in lines] == [
        ("automatic training", automatic, hours)
    ]
    assert lines[0].cost == pytest.approx(hours * Prices().training_hour)
    # The budget counts it among the month's hours, as automatic training.
    used = month_hours(slow_aws, name)
    assert used.automatic >= hours and used.hours >= used.automatic + version["trainingHours"]
    assert f"{used.automatic:.4g} h of them automatic training" in used.summary()


def _automatic_in_flight(personalize: Any, solution: str) -> str:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        for v in personalize.list_solution_versions(solutionArn=solution)["solutionVersions"]:
            if v["trainingType"] == "AUTOMATIC" and v["status"] != "ACTIVE":
                return str(v["solutionVersionArn"])
        time.sleep(0.2)
    raise AssertionError("no automatic training started")


class AutomaticStartsMeanwhile:
    """A Personalize client on which an automatic training starts between the task's listing
    and its CreateSolutionVersion (answered ResourceInUseException, as botocore's model lists
    for CreateSolutionVersion), then ends ACTIVE."""

    SOLUTION = "arn:aws:personalize:us-east-1:000000000000:solution/s"

    def __init__(self) -> None:
        self.automatic = {"solutionVersionArn": f"{self.SOLUTION}/auto0001",
                          "status": "CREATE IN_PROGRESS", "trainingType": "AUTOMATIC",
                          "trainingMode": "AUTOTRAIN", "creationDateTime": 1}  # fmt: skip
        self.listed = 0
        self.created: list[str] = []

    def can_paginate(self, name: str) -> bool:
        return False

    def list_solution_versions(self, **_: Any) -> dict[str, Any]:
        self.listed += 1
        return {"solutionVersions": [self.automatic] if self.listed > 1 else []}

    def create_solution_version(self, **params: Any) -> dict[str, Any]:
        if not self.created:
            self.created.append("refused")
            raise ClientError(
                {"Error": {"Code": "ResourceInUseException", "Message": "already training"}},
                "CreateSolutionVersion",
            )
        assert self.automatic["status"] == "ACTIVE", "waited for the automatic training"
        self.created.append(f"{self.SOLUTION}/mine0001")
        return {"solutionVersionArn": self.created[-1]}

    def describe_solution_version(self, solutionVersionArn: str) -> dict[str, Any]:
        if solutionVersionArn == self.automatic["solutionVersionArn"]:
            self.automatic["status"] = "ACTIVE"
            return {"solutionVersion": dict(self.automatic)}
        return {"solutionVersion": {"solutionVersionArn": solutionVersionArn, "status": "ACTIVE",
                                    "trainingType": "MANUAL", "creationDateTime": 2}}  # fmt: skip


def test_an_automatic_training_starting_meanwhile_is_waited_out(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    fake = AutomaticStartsMeanwhile()
    monkeypatch.setattr(tasks.solution_versions, "client", lambda aws, name: fake)
    arn = train_solution_version.fn(AwsSettings(), fake.SOLUTION)
    assert arn == f"{fake.SOLUTION}/mine0001"
    assert fake.created == ["refused", arn]
