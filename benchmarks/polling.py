"""How fast the waiter notices a finished job, and how many Describe calls it spends.

Targets (issue 15): a detection delay <= max(2 s, 5% of the job's duration) and <= 60 Describe
calls per real hour, for jobs of 10 s, 60 s, 600 s and 1 h whose duration is within 0.5x-2x of
the prior that their history gives.

1. Simulated, exactly: the real :func:`~tasks.waiter.wait_for` on a fake clock against a
   simulated solution version whose ListSolutionVersions shows one earlier version of the prior's
   length. For each job length, priors from half to twice it (9 ratios) x 20 jitter seeds; and
   the same jobs with no history (today's schedule), next to the peers' fixed 60 s / 120 s polls.
2. Measured against the local service: dataset group creations (pure latency, so the end is
   exact), each run faster so that it lasts about ``--wall`` seconds (never slower than real
   time), the waiter's clock scaled alike, with the prior given as twice, once and half the
   job's length. The delay is the Describe that saw ACTIVE minus ``lastUpdatedDateTime``; it
   includes the HTTP round trip and sleep overshoot, magnified by the time scale.

"Calls per real hour" is the most Describe calls in any one hour of the wait (for a job of an
hour or less, all of them); a wait with a history also makes one List call, not counted.
The last line is the 1 h job's worst delay and calls over every trial of both parts.

Run: make bench-polling  (or .venv/bin/python -m benchmarks.polling [--wall 25]
[--skip-measured])
"""

from __future__ import annotations

import argparse
import math
import random
import statistics
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import boto3

from personalize_local.kinds import KINDS
from personalize_local.process import LocalService
from tasks.waiter import wait_for

DURATIONS = (10.0, 60.0, 600.0, 3600.0)
RATIOS = tuple(2 ** (k / 4 - 1) for k in range(9))  # duration / prior, 0.5 ... 2
SEEDS = 20
PEERS = (60, 120)
HOUR = 3600.0
EPOCH = datetime(2026, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class Trial:
    """One wait: the job's length, the detection delay and the most calls in one hour."""

    duration: float
    delay: float
    hourly_calls: int

    @classmethod
    def from_polls(cls, duration: float, polls: list[float]) -> Trial:
        """A trial from the times of its Describe calls (seconds from the job's creation)."""
        hourly = max(sum(1 for t in polls if s <= t < s + HOUR) for s in polls)
        return cls(duration, polls[-1] - duration, hourly)


@dataclass
class FakeClock:
    """Time that moves only when the waiter sleeps."""

    t: float = 0.0

    def monotonic(self) -> float:
        return self.t

    def sleep(self, seconds: float) -> None:
        self.t += seconds

    def now(self) -> datetime:
        return EPOCH + timedelta(seconds=self.t)


@dataclass
class SimulatedVersion:
    """A solution version training for ``duration``; its solution trained once before in ``prior``."""

    clock: FakeClock
    duration: float
    prior: float | None
    polls: list[float] = field(default_factory=list)

    def describe_solution_version(self, solutionVersionArn: str) -> dict[str, Any]:
        self.polls.append(self.clock.t)
        done = self.clock.t >= self.duration
        version = {
            "solutionVersionArn": solutionVersionArn,
            "solutionArn": solutionVersionArn.rsplit("/", 1)[0],
            "trainingMode": "FULL",
            "status": "ACTIVE" if done else "CREATE IN_PROGRESS",
            "creationDateTime": EPOCH,
        }
        return {"solutionVersion": version}

    def list_solution_versions(self, solutionArn: str, **page: Any) -> dict[str, Any]:
        if self.prior is None:
            return {"solutionVersions": []}
        ended = EPOCH - timedelta(days=1)
        earlier = {
            "solutionVersionArn": f"{solutionArn}/earlier",
            "status": "ACTIVE",
            "trainingMode": "FULL",
            "creationDateTime": ended - timedelta(seconds=self.prior),
            "lastUpdatedDateTime": ended,
        }
        return {"solutionVersions": [earlier]}


class Silent:
    """No logs or artifacts while measuring."""

    def update(self, *args: Any) -> None:
        return None


def simulate(duration: float, prior: float | None, seed: int) -> Trial:
    """One simulated wait for a job of ``duration`` whose history says ``prior``."""
    clock = FakeClock()
    job = SimulatedVersion(clock, duration, prior)
    arn = "arn:aws:personalize:us-east-1:000000000000:solution/bench/new"
    draw = random.Random(seed).random
    wait_for(job, "solution-version", arn, clock=clock, draw=draw, reporter=Silent())
    return Trial.from_polls(duration, job.polls)


class ScaledClock:
    """The waiter's clock running ``1/scale`` times faster than the wall clock."""

    def __init__(self, scale: float) -> None:
        self.scale = scale
        self.anchor = time.time()
        self.start = time.monotonic()

    def monotonic(self) -> float:
        return (time.monotonic() - self.start) / self.scale

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds * self.scale)

    def now(self) -> datetime:
        return datetime.fromtimestamp(
            self.anchor + (time.time() - self.anchor) / self.scale, tz=UTC
        )


def measure(duration: float, scale: float, priors: list[float], root: Path) -> list[Trial]:
    """Dataset group creations of ``duration`` scaled seconds, waited with each prior."""
    latency = duration * scale / KINDS["dataset-group"].seconds()
    trials = []
    with LocalService(root / f"d{int(duration)}", latency=str(latency)) as service:
        service.apply_env()
        client = boto3.client("personalize")
        for n, prior in enumerate(priors):
            clock = ScaledClock(scale)
            arn = client.create_dataset_group(name=f"bench-{n}")["datasetGroupArn"]
            result = wait_for(
                client,
                "dataset-group",
                arn,
                deadline_seconds=4 * duration,  # a dataset group's own deadline is 30 min
                prior_seconds=prior,
                clock=clock,
                reporter=Silent(),
            )
            created = result.resource["creationDateTime"].timestamp()
            finished = result.resource["lastUpdatedDateTime"].timestamp()
            seen = time.time()
            took = (finished - created) / scale
            # Jobs of an hour or less: every call falls within one hour.
            trials.append(Trial(took, (seen - finished) / scale, result.polls))
    return trials


def summary(trials: list[Trial]) -> str:
    """``mean / worst delay (worst % of duration)  calls per hour``."""
    delays = [t.delay for t in trials]
    worst = max(trials, key=lambda t: t.delay / t.duration)
    calls = max(t.hourly_calls for t in trials)
    return (
        f"{statistics.mean(delays):7.2f}s / {max(delays):6.2f}s "
        f"({100 * worst.delay / worst.duration:4.1f}%) {calls:>5}"
    )


def met(trials: list[Trial]) -> bool:
    """Both targets held in every trial."""
    return all(
        t.delay <= max(2.0, 0.05 * t.duration) + 1e-6 and t.hourly_calls <= 60 for t in trials
    )


def peers(duration: float, period: int) -> str:
    """A fixed ``period``: the delay is uniform in [0, period), calls one per period."""
    calls = math.ceil(min(duration, HOUR) / period) + 1
    worst = min(period, duration)
    return f"{worst / 2:7.2f}s / {worst:6.2f}s ({100 * worst / duration:4.1f}%) {calls:>5}"


HEADER = f"{'job':>6}  {'schedule':<24} {'mean / worst delay (% of job)':>30} {'calls/h':>7}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--wall", type=float, default=25.0, help="seconds per measured job")
    parser.add_argument("--skip-measured", action="store_true")
    args = parser.parse_args()

    print(f"1. Simulated: {len(RATIOS)} priors (0.5x-2x) x {SEEDS} jitter seeds per job")
    print(HEADER)
    hour_trials: list[Trial] = []
    for duration in DURATIONS:
        with_prior = [
            simulate(duration, duration / r, seed) for r in RATIOS for seed in range(SEEDS)
        ]
        today = [simulate(duration, None, seed) for seed in range(SEEDS)]
        verdict = "both targets met" if met(with_prior) else "TARGETS NOT MET"
        print(f"{duration:>5.0f}s  {'with a prior':<24} {summary(with_prior)}  {verdict}")
        print(f"{'':>6}  {'today (no history)':<24} {summary(today)}")
        for period in PEERS:
            print(f"{'':>6}  {f'peers, every {period} s':<24} {peers(duration, period)}")
        if duration == HOUR:
            hour_trials += with_prior

    if not args.skip_measured:
        print(f"\n2. Measured against the local service, each job lasting about {args.wall:.0f} s")
        print(HEADER)
        with tempfile.TemporaryDirectory() as tmp:
            for duration in DURATIONS:
                scale = min(1.0, args.wall / duration)
                trials = measure(duration, scale, [2 * duration, duration, duration / 2], Path(tmp))
                verdict = "both targets met" if met(trials) else "TARGETS NOT MET"
                for trial, label in zip(
                    trials, ("prior 2x", "prior 1x", "prior 0.5x"), strict=True
                ):
                    print(
                        f"{duration:>5.0f}s  {label + f' (scale {scale:.2g})':<24} {summary([trial])}"
                    )
                print(f"{'':>6}  {verdict}")
                if duration == HOUR:
                    hour_trials += trials

    worst = max(t.delay / t.duration for t in hour_trials)
    calls = max(t.hourly_calls for t in hour_trials)
    print(
        f"polling: worst delay {100 * worst:.1f}% of duration, {calls} calls per hour "
        "(1 h job with a prior)"
    )


if __name__ == "__main__":
    main()
