"""What one process's preparation would cost per row without its two dearest rules: a ceiling.

    python -m benchmarks.prep_ceiling [--rows 3000000] [--repeat 3] [--dir /tmp]

Issue 26 asks one process to reach half the bare Parquet-to-CSV copy's rate per core (bare CPU
per row / one process's >= 0.5). This measures how far that is from reach: on the same
generated events as ``make bench-prep`` (``benchmarks.prep.generate``), each in a fresh child
process, interleaved, every trial printed:

- ``bare``: the bare copy;
- ``prep``: the preparation with default cleaning, as shipped;
- ``free hash``: the same, with ``fingerprint.hash_strings`` replaced by a function that costs
  almost nothing (NOT a hash: its output is wrong, only its cost is of interest). Every id is
  hashed (the hash routes rows, counts users and items, and picks the gate's held-out users run
  after run, so its values cannot change); this is the CPU a hash costing nothing would save;
- ``no duplicates``: the same with ``drop_duplicates`` off (the exact-duplicate rule's share);
- ``free hash, no duplicates``: both.

Each line gives CPU seconds (user + system, every thread) per million rows and bare / this,
the figure the issue's target reads; the least of each's trials counts.
"""

from __future__ import annotations

import argparse
import os
import tempfile
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pyarrow as pa

from benchmarks.prep import MAPPING, SCHEMA, Run, bare_copy, generate, measure, prep
from tasks.prep import fingerprint
from tasks.prep.config import CleaningConfig, SourceConfig
from tasks.prep.pipeline import prepare


def _no_cost_hash(array: pa.Array) -> np.ndarray:
    """Not a hash: a distinct number per row, at almost no cost."""
    return np.arange(len(array), dtype=np.uint64) * np.uint64(0x9E3779B97F4A7C15)


def _prepare(source: Path, target: Path, drop_duplicates: bool) -> int:
    cleaning = CleaningConfig(drop_duplicates=drop_duplicates)
    source_config = SourceConfig(uri=str(source), columns=MAPPING)
    return prepare(source_config, cleaning, SCHEMA, "INTERACTIONS", str(target)).rows_in


def free_hash(source: Path, target: Path) -> int:
    """The preparation with a hash that costs nothing (in the child process only)."""
    fingerprint.hash_strings = _no_cost_hash
    return _prepare(source, target, drop_duplicates=True)


def no_duplicates(source: Path, target: Path) -> int:
    """The preparation without the exact-duplicate rule."""
    return _prepare(source, target, drop_duplicates=False)


def free_hash_no_duplicates(source: Path, target: Path) -> int:
    """Both."""
    fingerprint.hash_strings = _no_cost_hash
    return _prepare(source, target, drop_duplicates=False)


JOBS: dict[str, Callable[[Path, Path], int]] = {
    "bare": bare_copy,
    "prep": prep,
    "free hash": free_hash,
    "no duplicates": no_duplicates,
    "free hash, no duplicates": free_hash_no_duplicates,
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=3_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--dir", default=tempfile.gettempdir())
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(dir=args.dir) as folder:
        work = Path(folder)
        raw = work / "raw.parquet"
        generate(raw, args.rows)
        env = dict(os.environ)
        trials: dict[str, list[Run]] = {name: [] for name in JOBS}
        for _ in range(args.repeat):
            for name, job in JOBS.items():
                target = work / ("out.csv" if name == "bare" else "prepared")
                trials[name].append(measure(job, raw, target, env))
        bare = min(run.cpu_per_million for run in trials["bare"])
        print(f"{args.rows:,} rows, load {os.getloadavg()[0]:.1f}; CPU s per M rows, every trial:")
        for name, runs in trials.items():
            least = min(run.cpu_per_million for run in runs)
            every = ", ".join(f"{run.cpu_per_million:.3f}" for run in runs)
            print(f"  {name:<26} {every}; least {least:.3f}, bare/this {bare / least:.2f}x")


if __name__ == "__main__":
    main()
