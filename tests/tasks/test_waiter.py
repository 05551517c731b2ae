"""The waiter's schedule, deadlines and failures, on a fake clock (no sleeping)."""

from __future__ import annotations

import logging

import pytest

from tasks.errors import PersonalizeError
from tasks.kinds import kind
from tasks.waiter import (
    PollSchedule,
    PrefectReporter,
    ResourceFailedError,
    WaitTimeoutError,
    stable_subject,
    wait_for,
)
from tests.tasks.fakes import FakeClock, Recorder, ScriptedJob, client_error

ARN = "arn:aws:personalize:us-east-1:000000000000:solution-version/s/1"
SCHEDULE = kind("solution-version").wait.schedule


def run(job: ScriptedJob, clock: FakeClock, **kwargs: object) -> Recorder:
    recorder = Recorder()
    wait_for(job, "solution-version", ARN, clock=clock, reporter=recorder, **kwargs)  # type: ignore[arg-type]
    return recorder


@pytest.mark.parametrize("duration", [0.5, 10, 60, 600, 3600])
def test_a_finished_job_is_noticed_within_the_bound(duration: float) -> None:
    clock = FakeClock()
    job = ScriptedJob(clock, finish_at=duration)
    run(job, clock, draw=lambda: 0.0)  # no jitter: the longest intervals
    delay = job.describes[-1] - duration
    assert 0 <= delay <= max(SCHEDULE.floor, SCHEDULE.ratio * duration) + 1e-9


def test_polls_are_quick_at_first_and_grow_with_the_jobs_age() -> None:
    clock = FakeClock()
    job = ScriptedJob(clock, finish_at=3600)
    run(job, clock, draw=lambda: 0.0)
    assert clock.sleeps[0] == pytest.approx(SCHEDULE.first)
    assert all(b >= a - 1e-9 for a, b in zip(clock.sleeps, clock.sleeps[1:], strict=False))
    assert clock.sleeps[-1] > 100  # an hour in, polls are minutes apart


def test_calls_for_an_hour_follow_the_schedule() -> None:
    clock = FakeClock()
    job = ScriptedJob(clock, finish_at=3600)
    run(job, clock, draw=lambda: 0.0)
    assert len(job.describes) == hour_calls(SCHEDULE)


def test_an_economy_schedule_keeps_an_hour_within_60_calls() -> None:
    economy = PollSchedule(ratio=0.13)
    clock = FakeClock()
    job = ScriptedJob(clock, finish_at=3600)
    run(job, clock, draw=lambda: 0.0, schedule=economy)
    assert len(job.describes) == hour_calls(economy) <= 60


def hour_calls(schedule: PollSchedule) -> int:
    """Describe calls until an hour has passed, computed from the schedule alone."""
    t, polls = 0.0, 1
    while t < 3600:
        t += schedule.interval(polls - 1, t, 0.0)
        polls += 1
    return polls


def test_jitter_only_shortens_intervals() -> None:
    for draw in (0.0, 0.5, 0.999):
        interval = SCHEDULE.interval(20, 1000.0, draw)
        assert 0.8 * 50 <= interval <= 50


def test_an_old_job_is_polled_as_slowly_as_its_age_says() -> None:
    clock = FakeClock(t=0.0)
    job = ScriptedJob(clock, finish_at=5000, created_at=-3000)  # attached 50 min in
    run(job, clock, draw=lambda: 0.0)
    assert clock.sleeps[0] == pytest.approx(SCHEDULE.ratio * 3000)


def test_failure_reason_is_raised_typed() -> None:
    clock = FakeClock()
    job = ScriptedJob(clock, finish_at=30, final="CREATE FAILED", reason="Not enough data")
    with pytest.raises(ResourceFailedError) as failed:
        run(job, clock)
    assert failed.value.reason == "Not enough data"
    assert failed.value.arn == ARN
    assert "Not enough data" in str(failed.value)


def test_a_training_past_its_deadline_is_stopped() -> None:
    clock = FakeClock()
    job = ScriptedJob(clock, finish_at=10_000)
    with pytest.raises(WaitTimeoutError) as timeout:
        run(job, clock, deadline_seconds=600)
    assert job.stopped_at == pytest.approx(600)
    assert timeout.value.stopped
    assert "CREATE IN_PROGRESS" in str(timeout.value)
    assert job.describes[-1] == pytest.approx(600)  # the last poll lands on the deadline


def test_reporter_sees_status_and_elapsed_time() -> None:
    clock = FakeClock()
    job = ScriptedJob(clock, finish_at=20)
    recorder = run(job, clock)
    statuses = [status for status, _, _ in recorder.updates]
    assert statuses[0] == "CREATE IN_PROGRESS" and statuses[-1] == "ACTIVE"
    assert recorder.updates[-1][2] is True
    assert recorder.updates[-1][1] >= 20


def test_a_throttled_poll_is_polled_again_but_a_missing_resource_raises() -> None:
    clock = FakeClock()
    throttled = client_error("ThrottlingException", "Rate exceeded")
    job = ScriptedJob(clock, finish_at=5, errors={0: throttled, 3: throttled})
    run(job, clock)
    assert len(job.describes) > 4  # kept polling through both throttles, then saw ACTIVE

    clock = FakeClock()
    gone = client_error("ResourceNotFoundException", "No such version", 404)
    job = ScriptedJob(clock, finish_at=5, errors={1: gone})
    with pytest.raises(PersonalizeError) as error:
        run(job, clock)
    assert error.value.code == "ResourceNotFoundException" and ARN in str(error.value)


def test_progress_keys_name_the_kind_and_subject_not_the_job() -> None:
    # Issue 16: every run added 8-12 keys (one per job); the keys must be stable per run.
    arn = "arn:aws:personalize:us-east-1:000000000000:"
    version = {"solutionArn": f"{arn}solution/shop-recs", "status": "ACTIVE"}
    batch = {"solutionVersionArn": f"{arn}solution/shop-recs/4f1e2a3b", "status": "ACTIVE"}
    imported = {"datasetArn": f"{arn}dataset/Shop_Recs/INTERACTIONS", "status": "ACTIVE"}
    assert stable_subject(f"{arn}solution/shop-recs/4f1e2a3b", version) == "shop-recs"
    assert stable_subject(f"{arn}batch-inference-job/shop-recs-run-7", batch) == "shop-recs"
    assert stable_subject(f"{arn}campaign/home", batch) == "shop-recs"
    assert stable_subject(f"{arn}dataset-import-job/x-20261130", imported) == (
        "Shop_Recs-INTERACTIONS"
    )
    assert stable_subject(
        f"{arn}solution/shop-recs", {"solutionArn": f"{arn}solution/shop-recs"}
    ) == ("shop-recs")


def test_a_resource_already_done_is_not_reported_as_waited_for(
    caplog: pytest.LogCaptureFixture,
) -> None:
    # Issue 16: "campaign ...: ACTIVE after 36m19s" for a campaign that existed already.
    reporter = PrefectReporter()
    campaign = kind("campaign")
    with caplog.at_level(logging.INFO):
        reporter.update(campaign, "arn:aws:personalize:r:1:campaign/home", "ACTIVE", 2179.0, True)
    assert "campaign home: already ACTIVE (started 36m19s ago)" in caplog.text
    assert "after" not in caplog.text
