"""How long the test suite takes: ``make test``'s pytest run, or ``make test-fast``'s.

Targets (issue 24): the whole suite under 10 minutes on 2 cores, ``make test-fast`` under 3.
Each trial runs pytest as the make target does (pytest-xdist, ``--dist loadgroup``) in a child
process and reports its wall time, the CPU time it and every process it waited for spent (the
workers, their local services and Prefect servers; the local stack's daemons are not counted),
the load average before and after (other work on the machine inflates wall time, not CPU time),
and pytest's summary line. ``--paths`` times a part of the suite, e.g. one directory.

Run: make bench-tests  (or .venv/bin/python -m benchmarks.test_suite [--fast] [--workers 4]
[--trials 2] [--paths tests/tasks])
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import time
from dataclasses import dataclass


@dataclass(frozen=True)
class Trial:
    """One pytest run: wall and CPU seconds, load averages (1 min) before and after, summary."""

    wall: float
    cpu: float
    load_before: float
    load_after: float
    summary: str

    def line(self, number: int) -> str:
        """The trial as one line of the report."""
        return (
            f"trial {number}: wall {self.wall / 60:.1f} min ({self.wall:.0f} s), "
            f"CPU {self.cpu:.0f} s, load {self.load_before:.1f} -> {self.load_after:.1f}: "
            f"{self.summary}"
        )


def pytest_command(workers: str, fast: bool, paths: list[str]) -> list[str]:
    """The pytest command line of ``make test`` (or ``make test-fast`` with ``fast``)."""
    command = [sys.executable, "-m", "pytest", "-n", workers, "--dist", "loadgroup", "-q"]
    return command + (["-m", "not slow"] if fast else []) + paths


def run_trial(command: list[str]) -> Trial:
    """Run pytest once; its figures (the summary is pytest's last line)."""
    load_before = os.getloadavg()[0]
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.monotonic()
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    wall = time.monotonic() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - used.ru_utime) + (after.ru_stime - used.ru_stime)
    lines = done.stdout.strip().splitlines() or [f"exit status {done.returncode}"]
    return Trial(wall, cpu, load_before, os.getloadavg()[0], lines[-1].strip("= "))


def main(argv: list[str] | None = None) -> None:
    """Time the suite ``--trials`` times and print every trial."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fast", action="store_true", help="make test-fast's selection")
    parser.add_argument(
        "--workers", default=str((os.cpu_count() or 1) + 1), help="xdist workers (make test's)"
    )
    parser.add_argument("--trials", type=int, default=1)
    parser.add_argument("--paths", nargs="*", default=[], help="test paths (default: all)")
    args = parser.parse_args(argv)
    command = pytest_command(args.workers, args.fast, args.paths)
    print(" ".join(command[1:]), f"on {os.cpu_count()} cores", flush=True)
    for number in range(1, args.trials + 1):
        print(run_trial(command).line(number), flush=True)


if __name__ == "__main__":
    main()
