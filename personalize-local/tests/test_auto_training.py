"""Automatic training over HTTP, as botocore's model and the developer guide document it.

Sources: CreateSolutionRequest.performAutoTraining ("The default is True ... every 7 days";
"starts within one hour after the solution is ACTIVE. If you manually create a solution version
within the hour, the solution skips the first automatic training"), AutoTrainingConfig
(``rate(N days)``, N from 1 to 30), SolutionVersion.trainingType (AUTOMATIC | MANUAL), and the
developer guide's "Configuring automatic training" ("Automatic training occurs only if you
imported bulk or real-time interaction data since the last training").
"""

from __future__ import annotations

import time
from functools import partial
from pathlib import Path
from typing import Any

import pytest

from personalize_local.auto_training import due_slot, period_days, skips_first
from personalize_local.process import LocalService
from personalize_local.testing.helpers import (
    active_group,
    clients_with_bucket,
    error_of,
    interactions_csv,
    put_csv,
    run_import,
)
from personalize_local.testing.training_setup import active_solution, load_group, settled

RECIPE = "arn:aws:personalize:::recipe/aws-user-personalization-v2"
DAILY = {"autoTrainingConfig": {"schedulingExpression": "rate(1 day)"}}


def test_scheduling_expression_is_checked(personalize: Any, unique: str) -> None:
    group = active_group(personalize, f"auto-{unique}")
    for expression in ("rate(0 days)", "rate(31 days)"):
        code, message = error_of(
            personalize.create_solution, name=f"a-{unique}", datasetGroupArn=group,
            recipeArn=RECIPE,
            solutionConfig={"autoTrainingConfig": {"schedulingExpression": expression}},
        )  # fmt: skip
        assert code == "InvalidInputException" and "rate(N days)" in message, message


def test_performAutoTraining_defaults_to_true(personalize: Any, unique: str) -> None:
    group = active_group(personalize, f"autodef-{unique}")
    arn = active_solution(personalize, group, f"d-{unique}", "aws-user-personalization-v2")
    assert personalize.describe_solution(solutionArn=arn)["solution"]["performAutoTraining"]
    # ... and at --latency instant (the session's service) nothing is ever due.
    assert personalize.list_solution_versions(solutionArn=arn)["solutionVersions"] == []


def test_schedule_rules() -> None:
    solution = {"performAutoTraining": True, "status": "ACTIVE", "creationDateTime": 1000.0,
                "solutionConfig": {"autoTrainingConfig": {"schedulingExpression": "rate(5 days)"}}}  # fmt: skip
    assert period_days(solution["solutionConfig"]) == 5
    assert period_days({}) == 7
    latency = 0.001  # an hour is 3.6 s, five days 432 s
    assert due_slot(solution, 1003.0, latency) is None
    assert due_slot(solution, 1004.0, latency) == 0
    assert due_slot(solution, 1003.6 + 432.5, latency) == 1
    assert due_slot(solution, 1004.0, 0.0) is None  # --latency instant
    assert due_slot({**solution, "performAutoTraining": False}, 1004.0, latency) is None
    manual = {"trainingType": "MANUAL", "creationDateTime": 1002.0}
    automatic = {"trainingType": "AUTOMATIC", "creationDateTime": 1002.0}
    assert skips_first(solution, [manual], latency)
    assert not skips_first(solution, [automatic], latency)
    assert not skips_first(solution, [{**manual, "creationDateTime": 1010.0}], latency)


@pytest.mark.slow
def test_automatic_versions_on_the_schedule(tmp_path: Path) -> None:
    # --latency 0.000002: the first hour is 7 ms and rate(1 day) 0.17 s.
    with LocalService(tmp_path, latency="0.000002") as service:
        client = clients_with_bucket(service, "auto")
        personalize, s3 = client("personalize"), client("s3")
        loaded = load_group(personalize, s3, "auto", "auto")
        automatic = active_solution(personalize, loaded.group, "auto", "aws-user-personalization-v2",
                                    solutionConfig=DAILY)  # fmt: skip
        manual_only = active_solution(personalize, loaded.group, "manual",
                                      "aws-user-personalization-v2", performAutoTraining=False,
                                      solutionConfig=DAILY)  # fmt: skip

        first = _next_version(personalize, automatic, seen=set())
        assert (first["trainingType"], first["trainingMode"]) == ("AUTOMATIC", "AUTOTRAIN")
        assert first["status"] == "ACTIVE", first
        assert personalize.get_solution_metrics(solutionVersionArn=first["solutionVersionArn"])[
            "metrics"
        ]

        time.sleep(1.0)  # about six periods with no new interactions: no training
        listed = personalize.list_solution_versions(solutionArn=automatic)["solutionVersions"]
        assert [v["solutionVersionArn"] for v in listed] == [first["solutionVersionArn"]]

        more = interactions_csv(n_users=40, n_items=30, per_user=5, start=1_900_000_000)
        uri = put_csv(s3, "auto", "more.csv", more)
        job = run_import(personalize, loaded.interactions, uri, "more", "INCREMENTAL")
        assert job["status"] == "ACTIVE", job
        second = _next_version(personalize, automatic, seen={first["solutionVersionArn"]})
        assert second["trainingType"] == "AUTOMATIC" and second["status"] == "ACTIVE"

        # UpdateSolution turns it off, then on again (the hour starts again when it completes).
        _update(personalize, automatic, performAutoTraining=False)
        uri = put_csv(s3, "auto", "again.csv", interactions_csv(
            n_users=40, n_items=30, per_user=5, start=1_950_000_000))  # fmt: skip
        assert (
            run_import(personalize, loaded.interactions, uri, "again", "INCREMENTAL")["status"]
            == "ACTIVE"
        )
        time.sleep(1.0)
        listed = personalize.list_solution_versions(solutionArn=automatic)["solutionVersions"]
        assert len(listed) == 2, "no automatic training while it is off"
        _update(personalize, automatic, performAutoTraining=True)
        seen = {first["solutionVersionArn"], second["solutionVersionArn"]}
        third = _next_version(personalize, automatic, seen=seen)
        assert third["trainingType"] == "AUTOMATIC" and third["status"] == "ACTIVE"

        assert personalize.list_solution_versions(solutionArn=manual_only)["solutionVersions"] == []
        assert not personalize.describe_solution(solutionArn=manual_only)["solution"][
            "performAutoTraining"
        ]


def _update(personalize: Any, solution: str, **changes: Any) -> None:
    personalize.update_solution(solutionArn=solution, **changes)
    update = settled(
        lambda: personalize.describe_solution(solutionArn=solution)["solution"][
            "latestSolutionUpdate"
        ]
    )
    assert update["status"] == "ACTIVE", update


def _describe(personalize: Any, arn: str) -> dict[str, Any]:
    return dict(personalize.describe_solution_version(solutionVersionArn=arn)["solutionVersion"])


def _next_version(personalize: Any, solution: str, seen: set[str]) -> dict[str, Any]:
    """Wait for a version not in ``seen`` to appear and settle; its description."""
    deadline = time.monotonic() + 60
    while True:
        listed = personalize.list_solution_versions(solutionArn=solution)["solutionVersions"]
        fresh = [v["solutionVersionArn"] for v in listed if v["solutionVersionArn"] not in seen]
        if fresh:
            return settled(partial(_describe, personalize, fresh[0]))
        assert time.monotonic() < deadline, "no automatic training"
        time.sleep(0.05)
