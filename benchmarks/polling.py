"""How fast the waiter notices a finished job, and how many Describe calls it spends.

Against a local service with scaled latencies, jobs of 10 s, 60 s and 600 s ("scaled": the
service runs them ``--time-scale`` times faster, and the waiter's clock is scaled the same way,
so a 600 s job takes 600 x scale seconds of wall time). Each job is a dataset group creation,
whose duration is pure latency (no compute), so its end is exact; every kind shares the
schedule. Reported per job: the detection delay (the Describe that saw ACTIVE minus the moment
the service set it, in scaled seconds) and the number of Describe calls. Then, from the
schedule alone: calls for an hour-long job, and the worst-case delay, for the default schedule
and for an economy one, next to the peers' fixed 60 s / 120 s polling.

Run: make bench-polling  (or .venv/bin/python -m benchmarks.polling [--time-scale 0.05] [--runs 3])
"""

from __future__ import annotations

import argparse
import math
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import boto3

from emulator.jobs import NOMINAL_SECONDS
from emulator.process import LocalService
from tasks.kinds import kind
from tasks.waiter import PollSchedule, wait_for

DURATIONS = (10.0, 60.0, 600.0)


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


class Silent:
    """No logs or artifacts while measuring."""

    def update(self, *args: Any) -> None:
        return None


def measure(duration: float, scale: float, run: int, root: Path) -> tuple[float, int]:
    """One job of ``duration`` scaled seconds: (detection delay in scaled s, Describe calls)."""
    latency = duration * scale / NOMINAL_SECONDS["dataset-group"]
    with LocalService(root / f"d{int(duration)}-{run}", latency=str(latency)) as service:
        service.apply_env()
        client = boto3.client("personalize")
        clock = ScaledClock(scale)
        arn = client.create_dataset_group(name=f"bench-{run}")["datasetGroupArn"]
        result = wait_for(client, "dataset-group", arn, clock=clock, reporter=Silent())
        seen = time.time()
        finished = result.resource["lastUpdatedDateTime"].timestamp()
        return (seen - finished) / scale, result.polls


def schedule_calls(schedule: PollSchedule, duration: float) -> int:
    """Describe calls for a job of ``duration`` seconds, from the schedule (no jitter)."""
    elapsed, polls = 0.0, 1
    while elapsed < duration:
        elapsed += schedule.interval(polls - 1, elapsed, 0.0)
        polls += 1
    return polls


def worst_delay(schedule: PollSchedule, duration: float) -> float:
    """The longest possible detection delay for a job ending at ``duration`` (no jitter)."""
    elapsed, polls = 0.0, 0
    while elapsed < duration:
        step = schedule.interval(polls, elapsed, 0.0)
        elapsed, polls = elapsed + step, polls + 1
    return step


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--time-scale", type=float, default=0.05)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    schedule = kind("dataset-group").wait.schedule
    print(f"Measured against the local service (time scale {args.time_scale}, {args.runs} runs)")
    print(f"{'job':>7} {'target':>8} {'delay (mean/max)':>18} {'describes':>10}")
    with tempfile.TemporaryDirectory() as tmp:
        for duration in DURATIONS:
            runs = [measure(duration, args.time_scale, i, Path(tmp)) for i in range(args.runs)]
            delays = [d for d, _ in runs]
            calls = sorted({c for _, c in runs})
            target = max(2.0, 0.05 * duration)
            mean = sum(delays) / len(delays)
            print(
                f"{duration:>6.0f}s {target:>7.1f}s {mean:>8.2f}s/{max(delays):>6.2f}s "
                f"{'/'.join(map(str, calls)):>10}"
            )
    economy = PollSchedule(**{**vars(schedule), "ratio": 0.13})
    print("\nFrom the schedule (no jitter): Describe calls and worst-case delay")
    print(f"{'schedule':>22} {'10 s':>12} {'60 s':>12} {'600 s':>12} {'1 h':>12}")
    rows: list[tuple[str, Any]] = [
        (f"default ratio {schedule.ratio}", schedule),
        (f"economy ratio {economy.ratio}", economy),
    ]
    for label, plan in rows:
        cells = [
            f"{schedule_calls(plan, d)} / {worst_delay(plan, d):.0f}s" for d in (*DURATIONS, 3600.0)
        ]
        print(f"{label:>22} " + " ".join(f"{c:>12}" for c in cells))
    for period in (60, 120):
        cells = [f"{math.ceil(d / period) + 1} / {period}s" for d in (*DURATIONS, 3600.0)]
        print(f"{'peers every ' + str(period) + ' s':>22} " + " ".join(f"{c:>12}" for c in cells))


if __name__ == "__main__":
    main()
