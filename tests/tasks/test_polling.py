"""Polling with a prior from history: both targets on a fake clock, the history read for real."""

from __future__ import annotations

import random
import statistics
from typing import Any

import boto3
import pytest

from tasks.aws import AwsSettings
from tasks.kinds import PollSchedule, kind
from tasks.polling import PriorSchedule, prior_seconds, schedule_for
from tasks.waiter import describe, wait_for
from tests.tasks.fakes import FakeClock, Recorder, ScriptedJob, client_error, earlier_version
from tests.tasks.helpers import ROLE, Loaded

ARN = "arn:aws:personalize:us-east-1:000000000000:solution/s/new"
VERSION = kind("solution-version")
BASE = VERSION.wait.schedule


def waited(duration: float, history: list[dict[str, Any]], seed: int = 0) -> ScriptedJob:
    """The scripted job after the waiter saw it finish at ``duration`` (seeded jitter)."""
    clock = FakeClock()
    job = ScriptedJob(clock, finish_at=duration, history=history)
    jitter = random.Random(seed)
    wait_for(job, "solution-version", ARN, clock=clock, reporter=Recorder(), draw=jitter.random)
    return job


@pytest.mark.parametrize("duration", [10, 60, 600, 3600])
@pytest.mark.parametrize("ratio", [0.5, 0.8, 1.0, 1.4, 2.0])
def test_a_job_within_half_to_twice_its_prior_meets_both_targets(
    duration: float, ratio: float
) -> None:
    for seed in range(5):
        job = waited(duration, [earlier_version(duration / ratio)], seed)
        delay = job.describes[-1] - duration
        assert 0 <= delay <= max(2.0, 0.05 * duration) + 1e-9
        assert len(job.describes) <= 60


def test_an_hour_costs_half_the_calls_of_polling_without_history() -> None:
    with_prior = waited(3600, [earlier_version(3600)])
    without = waited(3600, [])
    assert len(with_prior.describes) < 0.5 * len(without.describes)
    assert with_prior.lists == without.lists == 1  # one List call looks the history up


def test_failed_versions_are_no_history() -> None:
    failed = earlier_version(600, status="CREATE FAILED")
    assert waited(600, [failed]).describes == waited(600, []).describes


def test_a_job_ending_long_before_its_prior_is_noticed_within_the_sparse_ratio() -> None:
    job = waited(300, [earlier_version(3600)])  # a twelfth of what it usually takes
    assert job.describes[-1] - 300 <= PriorSchedule(BASE, 3600).sparse_ratio * 300


def test_the_prior_is_the_median_of_the_newest_finished_alike_versions() -> None:
    history = [
        earlier_version(100, ended_days_ago=1),
        earlier_version(200, ended_days_ago=2),
        earlier_version(9000, ended_days_ago=3),
        earlier_version(5, ended_days_ago=4, status="CREATE FAILED"),
        earlier_version(20, ended_days_ago=5, mode="UPDATE"),
        earlier_version(300, ended_days_ago=6),
        earlier_version(400, ended_days_ago=7),
        earlier_version(1, ended_days_ago=8),  # the sixth finished FULL one: too old
    ]
    job = ScriptedJob(FakeClock(), finish_at=1, history=history)
    current = job.describe_solution_version(ARN)["solutionVersion"]
    assert prior_seconds(job, VERSION, current) == 300  # median of 100, 200, 9000, 300, 400


def test_a_refused_history_lookup_falls_back_to_the_default_schedule() -> None:
    class NoListing(ScriptedJob):
        def list_solution_versions(self, solutionArn: str, **page: Any) -> dict[str, Any]:
            raise client_error("AccessDeniedException", "not allowed to list", 403)

    job = NoListing(FakeClock(), finish_at=1)
    current = job.describe_solution_version(ARN)["solutionVersion"]
    assert schedule_for(job, VERSION, current, BASE) is BASE


def test_a_given_prior_is_used_without_looking_at_history() -> None:
    job = ScriptedJob(FakeClock(), finish_at=1)
    current = job.describe_solution_version(ARN)["solutionVersion"]
    plan = schedule_for(job, VERSION, current, BASE, prior=1200)
    assert plan == PriorSchedule(BASE, 1200) and job.lists == 0


def test_sparse_steps_land_on_the_dense_start() -> None:
    plan = PriorSchedule(PollSchedule(jitter=0.0), prior=1000)
    age, attempt = 0.0, 0
    while age < plan.dense_start:
        age += plan.interval(attempt, age, 0.0)
        attempt += 1
    assert age == pytest.approx(plan.dense_start)


def test_the_history_of_imports_is_read_from_the_service(
    slow_aws: AwsSettings, slow_loaded: Loaded, unique: str, caplog: pytest.LogCaptureFixture
) -> None:
    """ListDatasetImportJobs (botocore model: DatasetImportJobSummary has both timestamps)."""
    personalize = boto3.client("personalize")
    listed = personalize.list_dataset_import_jobs(datasetArn=slow_loaded.items)
    took = statistics.median(
        (job["lastUpdatedDateTime"] - job["creationDateTime"]).total_seconds()
        for job in listed["datasetImportJobs"]
        if job["status"] == "ACTIVE"
    )
    arn = personalize.create_dataset_import_job(
        jobName=f"again-{unique}",
        datasetArn=slow_loaded.items,
        dataSource={"dataLocation": slow_loaded.items_csv},
        roleArn=ROLE,
    )["datasetImportJobArn"]
    # Wait at once: the prior is only planned (and logged) while the job is still in flight.
    with caplog.at_level("INFO", logger="tasks"):
        result = wait_for(personalize, "dataset-import-job", arn, reporter=Recorder())
    assert result.statuses[0] != "ACTIVE", "the job finished before the first poll"
    assert result.resource["status"] == "ACTIVE"
    assert f"Expecting about {took:.1f}s from earlier jobs" in caplog.text
    job = describe(personalize, "dataset-import-job", arn)
    assert prior_seconds(personalize, kind("dataset-import-job"), job) == pytest.approx(took)
