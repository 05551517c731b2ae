"""A Dask job retries what the package's tasks retry (throttles), and nothing else."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from tasks.prep import runners


def _throttled() -> ClientError:
    return ClientError({"Error": {"Code": "ThrottlingException", "Message": "slow down"}}, "Get")


def test_a_job_is_retried_after_a_throttle(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(runners, "BACKOFF_SECONDS", 0)
    calls: list[int] = []

    def flaky(job: int) -> int:
        calls.append(job)
        if len(calls) < 3:
            raise _throttled()
        return job * 2

    result, worker, seconds = runners.run_job(flaky, 21)
    assert (result, worker, len(calls)) == (42, "here", 3)
    assert seconds >= 0


def test_a_job_that_fails_for_good_is_not_retried(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(runners, "BACKOFF_SECONDS", 0)
    calls: list[int] = []

    def broken(job: int) -> int:
        calls.append(job)
        raise ValueError("bad row")

    with pytest.raises(ValueError, match="bad row"):
        runners.run_job(broken, 1)
    assert calls == [1]


def test_a_job_stops_after_the_last_retry(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(runners, "BACKOFF_SECONDS", 0)
    calls: list[int] = []

    def throttled(job: int) -> int:
        calls.append(job)
        raise _throttled()

    with pytest.raises(ClientError):
        runners.run_job(throttled, 1)
    assert len(calls) == runners.RETRIES + 1
