"""The cost record's lines priced from what AWS reports, and never guessed when it does not.

A stubbed client stands in for AWS to show a version without ``trainingHours`` (botocore's
model: "visible only after Amazon Personalize successfully trains a model",
docs/aws-facts.md#training-hours); the HTTP path is tests/flows/test_costs.py.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber

import tasks.costs
from tasks.aws import AwsSettings
from tasks.cost_settings import CostsConfig, Prices
from tasks.costs import (
    BILLED_BEFORE,
    IN_FLIGHT,
    NOT_REPORTED,
    CostRecord,
    batch_line,
    idle_note,
    monthly_totals,
    settled_versions,
    training_line,
)
from tests.artifacts import misread_cells

VERSION = "arn:aws:personalize:us-east-1:000000000000:solution/s/1a2b3c4d"
STARTED = datetime(2026, 12, 7, 3, 0, tzinfo=UTC)


@pytest.fixture
def stubber(monkeypatch: pytest.MonkeyPatch) -> Stubber:
    """A Personalize client under a Stubber, handed to tasks.costs in place of its own."""
    personalize = boto3.client("personalize", region_name="us-east-1")
    monkeypatch.setattr(tasks.costs, "client", lambda aws, name: personalize)
    return Stubber(personalize)


def described(**fields: Any) -> dict[str, Any]:
    """A DescribeSolutionVersion answer created after the run started."""
    created = STARTED + timedelta(minutes=5)
    return {"solutionVersion": {"solutionVersionArn": VERSION, "creationDateTime": created,
                                "status": "ACTIVE", **fields}}  # fmt: skip


def test_training_hours_are_the_services_or_not_reported(stubber: Stubber) -> None:
    prices = Prices(training_hour=0.5)
    stubber.add_response("describe_solution_version", described(trainingHours=2.5))
    stubber.add_response("describe_solution_version", described())
    stubber.add_response("describe_solution_version", described(status="CREATE IN_PROGRESS"))
    stubber.add_response("describe_solution_version", described(trainingHours=2.5))
    with stubber:
        reported = training_line(AwsSettings(), prices, VERSION, STARTED, set())
        missing = training_line(AwsSettings(), prices, VERSION, STARTED, set())
        training = training_line(AwsSettings(), prices, VERSION, STARTED, set())
        billed = training_line(AwsSettings(), prices, VERSION, STARTED, {VERSION})
    assert (reported.quantity, reported.cost) == (2.5, 1.25)
    assert (missing.quantity, missing.cost, missing.note) == (None, None, NOT_REPORTED)
    assert (training.quantity, training.note) == (None, IN_FLIGHT)
    assert (billed.quantity, billed.cost, billed.note) == (0.0, 0.0, BILLED_BEFORE)
    record = CostRecord("g", "run", STARTED.isoformat(), "us-east-1", [reported, missing])
    assert misread_cells(record.rows()) == [], "the UI renders a text cell as Markdown"
    # A later record bills what was still training; a version done without hours is settled.
    kept = [{"lines": [asdict(line) for line in (missing, training, billed)]}]
    assert settled_versions(kept) == {VERSION}  # the one NOT_REPORTED line settles it
    assert settled_versions([{"lines": [asdict(training)]}]) == set()


def test_prices_per_region_batch_jobs_and_idle_campaigns() -> None:
    costs = CostsConfig(prices_by_region={"eu-west-1": Prices(tps_hour=0.25)})
    assert costs.for_region("eu-west-1").tps_hour == 0.25
    assert costs.for_region("us-west-2") == costs.prices
    gate = batch_line(costs.prices, "gate comparison", "s", count=2000, jobs=3)
    assert gate.quantity == 6.0 and gate.cost == pytest.approx(6 * 0.067)
    assert idle_note(1, costs.prices) == ""
    assert "$438.00 a month" in idle_note(3, costs.prices)  # 3 TPS x 730 h x $0.20


def test_monthly_totals_sum_each_months_records() -> None:
    line = {"item": "training", "cost": 1.0}
    records = [
        {"at": "2026-11-30T23:00:00+00:00", "lines": [line]},
        {"at": "2026-12-01T01:00:00+00:00", "lines": [line, {"item": "campaign", "cost": 2.0}]},
        {"at": "2026-12-05T01:00:00+00:00", "lines": [line, {"item": "training", "cost": None}]},
    ]
    assert monthly_totals(records) == {
        "2026-11": {"training": 1.0},
        "2026-12": {"training": 2.0, "campaign": 2.0},
    }
