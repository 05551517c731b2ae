"""Benchmark of data preparation, in one process and on a local Dask cluster, against a bare copy.

    python -m benchmarks.prep [--rows 10000000] [--memory-rows 30000000] [--workers 2] [--dir /tmp]

1. Generates raw events as Parquet (500,000 users with integer ids, 50,000 string SKUs with a
   Zipf popularity, millisecond timestamps, about 1% duplicated rows and 0.1% empty SKUs; row
   groups of 1M rows, so 10M rows are 10 splits).
2. Runs, ``--repeat`` times each and interleaved (the machine may be shared with other work;
   every trial is printed, the fastest of each counts): the bare copy (read Parquet, write CSV:
   the practical limit, in a fresh child process), the preparation with default cleaning in one
   process (the default runner, in a fresh child process), and the same preparation as a
   Prefect flow whose steps are Prefect tasks on a local Dask cluster of ``--workers`` worker
   processes (prefect-dask; a temporary Prefect API; the cluster is started, and its workers
   import the project, before the clock starts, as an existing cluster in use would be).
3. Reports rows/s, wall and CPU time, the peak resident memory (RSS high-water mark) of the
   child and of each Dask worker, the speed-up of the cluster over one process, and each
   runner's rate per core against the bare copy's.
4. Runs both once more on ``--memory-rows`` rows (a fresh cluster) to show that memory per
   worker stays bounded as input grows. Files go under ``--dir`` and are deleted afterwards.
"""

from __future__ import annotations

import argparse
import json
import logging
import multiprocessing as mp
import os
import resource
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from tasks.prep.config import CleaningConfig, PrepRunConfig, SourceConfig
from tasks.prep.pipeline import prepare

SCHEMA = json.loads(
    (Path(__file__).resolve().parents[1] / "config" / "schemas" / "interactions.avsc").read_text()
)
MAPPING = {"USER_ID": "user_id", "ITEM_ID": "sku", "TIMESTAMP": "ts", "EVENT_TYPE": "event"}
CHUNK = 1_000_000
# The same users and items at every size, so that memory is compared for more rows alone.
USERS, ITEMS = 500_000, 50_000


def generate(path: Path, rows: int, seed: int = 0) -> None:
    """Raw events as Parquet, written chunk by chunk with vectorised generators."""
    rng = np.random.default_rng(seed)
    users, items = USERS, ITEMS
    events = pa.array(["view", "click", "cart", "purchase"])
    writer: pq.ParquetWriter | None = None
    for start in range(0, rows, CHUNK):
        n = min(CHUNK, rows - start)
        user = rng.integers(0, users, n)
        item = (rng.zipf(1.2, n) - 1) % items
        ts = 1_700_000_000_000 + rng.integers(0, 90 * 86_400_000, n)
        duplicate = rng.random(n) < 0.01  # repeat the previous row
        for column in (user, item, ts):
            column[1:][duplicate[1:]] = column[:-1][duplicate[1:]]
        sku = pc.binary_join_element_wise("sku-", pa.array(item).cast(pa.string()), "")
        sku = pc.if_else(pa.array(rng.random(n) < 0.001), "", sku)
        kind = pc.take(events, pa.array(np.where(duplicate, 0, rng.integers(0, 4, n))))
        table = pa.table(
            {
                "user_id": pa.array(user),
                "sku": sku,
                "ts": pa.array(ts).cast(pa.timestamp("ms")),
                "event": kind,
            }
        )
        if writer is None:
            writer = pq.ParquetWriter(path, table.schema)
        writer.write_table(table, row_group_size=CHUNK)
    assert writer is not None
    writer.close()


def bare_copy(source: Path, target: Path) -> int:
    """Read the Parquet file batch by batch and write it as CSV: the practical limit."""
    parquet = pq.ParquetFile(source)
    rows = 0
    with pacsv.CSVWriter(target, parquet.schema_arrow) as writer:
        for batch in parquet.iter_batches(batch_size=128 * 1024):
            writer.write_batch(batch)
            rows += batch.num_rows
    return rows


def prep(source: Path, target: Path) -> int:
    """The preparation with default cleaning, written to a local directory."""
    result = prepare(
        SourceConfig(uri=str(source), columns=MAPPING),
        CleaningConfig(),
        SCHEMA,
        "INTERACTIONS",
        str(target),
    )
    return result.rows_in


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _child(job: Callable[[Path, Path], int], source: Path, target: Path, queue: Any) -> None:
    cpu, started = _cpu_seconds(), time.perf_counter()
    rows = job(source, target)
    elapsed, cpu = time.perf_counter() - started, _cpu_seconds() - cpu
    queue.put(Run(rows, elapsed, cpu, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024))


class Run(NamedTuple):
    """One measured run in a child process."""

    rows: int
    seconds: float
    cpu_seconds: float  # user + system, all threads, of the job alone
    peak_rss: int


def measure(job: Callable[[Path, Path], int], source: Path, target: Path) -> Run:
    """``job`` run in a fresh child process: rows, wall and CPU seconds, peak RSS."""
    context = mp.get_context("spawn")
    queue = context.Queue()
    process = context.Process(target=_child, args=(job, source, target, queue))
    process.start()
    result: Run = queue.get()
    process.join()
    if target.is_dir():
        shutil.rmtree(target)
    else:
        target.unlink(missing_ok=True)
    return result


def describe(name: str, run: Run, workers: list[int] | None = None) -> str:
    """One line of results."""
    memory = f"peak RSS {run.peak_rss / 2**20:,.0f} MiB"
    if workers:
        memory = "peak RSS per worker " + ", ".join(f"{w / 2**20:,.0f}" for w in workers) + " MiB"
    return (
        f"{name:<24} {run.rows / run.seconds:>12,.0f} rows/s  ({run.seconds:.2f} s wall, "
        f"{run.cpu_seconds:.2f} s CPU, {memory})"
    )


class DaskBench:
    """Preparation as a Prefect flow on a local Dask cluster that outlives the trials."""

    def __init__(self, workers: int) -> None:
        from distributed import Client, LocalCluster

        self.cluster = LocalCluster(
            n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None,
            silence_logs=logging.ERROR,
        )  # fmt: skip
        self.client = Client(self.cluster)
        self.client.run(_warm_up)  # workers of a cluster in use have the project imported
        self.peaks: list[int] = []

    def run(self, source: Path, target: Path) -> Run:
        """One preparation on the cluster: rows, wall and CPU seconds (driver and workers)."""
        from prefect import flow

        from tasks.prep.task import prepare_dataset

        settings = PrepRunConfig(runner="dask", dask_address=self.cluster.scheduler_address)

        @flow(name="bench-prep")
        def bench() -> int:
            result = prepare_dataset(
                SourceConfig(uri=str(source), columns=MAPPING), CleaningConfig(), SCHEMA,
                "INTERACTIONS", str(target), run=settings,
            )  # fmt: skip
            return result.rows_in

        before = _cpu_seconds() + sum(self.client.run(_cpu_seconds).values())
        started = time.perf_counter()
        rows = bench()
        elapsed = time.perf_counter() - started
        cpu = _cpu_seconds() + sum(self.client.run(_cpu_seconds).values()) - before
        self.peaks = list(self.client.run(_peak_rss).values())
        shutil.rmtree(target, ignore_errors=True)
        return Run(rows, elapsed, cpu, max(self.peaks))

    def close(self) -> None:
        self.client.close()
        self.cluster.close()


def _warm_up() -> None:
    import prefect.task_engine  # noqa: F401

    import tasks.prep.task  # noqa: F401


def _peak_rss() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


@contextmanager
def prefect_api() -> Iterator[None]:
    """A temporary Prefect API for the flow runs, quiet on the console."""
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=180):
        yield


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--memory-rows", type=int, default=30_000_000)
    parser.add_argument("--workers", type=int, default=2, help="Dask worker processes")
    parser.add_argument("--repeat", type=int, default=2, help="trials of each; the fastest counts")
    parser.add_argument("--dir", default=tempfile.gettempdir())
    args = parser.parse_args()
    print(f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} at the start")
    work = Path(tempfile.mkdtemp(prefix="bench-prep-", dir=args.dir))
    try:
        raw = work / "raw.parquet"
        started = time.perf_counter()
        generate(raw, args.rows)
        print(f"generated {args.rows:,} raw events in {time.perf_counter() - started:.1f} s")
        with prefect_api():
            dask = DaskBench(args.workers)
            trials: dict[str, list[Run]] = {"bare": [], "process": [], "dask": []}
            peaks: list[list[int]] = []
            for trial in range(1, args.repeat + 1):
                for name, run in (
                    ("bare", lambda: measure(bare_copy, raw, work / "bare.csv")),
                    ("process", lambda: measure(prep, raw, work / "prepared")),
                    ("dask", lambda: dask.run(raw, work / "prepared")),
                ):
                    result = run()
                    trials[name].append(result)
                    if name == "dask":
                        peaks.append(dask.peaks)
                    label = {"bare": "bare Parquet->CSV", "process": "prep, one process",
                             "dask": f"prep, dask {args.workers} workers"}[name]  # fmt: skip
                    print(
                        describe(
                            f"{label} #{trial}", result, dask.peaks if name == "dask" else None
                        )
                    )
            dask.close()
            bare, single, spread = (min(trials[n], key=lambda r: r.seconds) for n in trials)
            rate = {
                n: r.rows / r.seconds
                for n, r in (("bare", bare), ("process", single), ("dask", spread))
            }
            per_core = rate["dask"] / args.workers
            print(f"fastest of {args.repeat}: bare {rate['bare']:,.0f}, one process "
                  f"{rate['process']:,.0f}, dask {rate['dask']:,.0f} rows/s")  # fmt: skip
            print(f"per core against the bare copy: one process {rate['process'] / rate['bare']:.2f}, "
                  f"dask {per_core / rate['bare']:.2f} (wall time)")  # fmt: skip
            print(f"per core against the bare copy, CPU time: one process "
                  f"{bare.cpu_seconds / single.cpu_seconds:.2f}, dask "
                  f"{bare.cpu_seconds / spread.cpu_seconds:.2f}")  # fmt: skip
            for workers in (2, 8, 32):
                hours = 1e9 / (per_core * workers) / 3600
                print(f"1B events on {workers} workers at {per_core:,.0f} rows/s each: "
                      f"about {hours:.1f} h")  # fmt: skip
            if args.memory_rows:
                generate(raw, args.memory_rows)
                big = measure(prep, raw, work / "prepared")
                print(describe(f"prep, one process {args.memory_rows // 1_000_000}M", big))
                dask = DaskBench(args.workers)
                big_dask = dask.run(raw, work / "prepared")
                big_peaks = dask.peaks
                dask.close()
                print(describe(f"prep, dask {args.memory_rows // 1_000_000}M", big_dask, big_peaks))
                print(f"peak RSS, one process: {single.peak_rss / 2**20:,.0f} MiB at "
                      f"{args.rows:,} rows, {big.peak_rss / 2**20:,.0f} MiB at {args.memory_rows:,}")  # fmt: skip
                print(f"peak RSS per dask worker: {max(max(p) for p in peaks) / 2**20:,.0f} MiB at "
                      f"{args.rows:,} rows, {max(big_peaks) / 2**20:,.0f} MiB at {args.memory_rows:,}")  # fmt: skip
            print(f"one process {rate['process']:,.0f} rows/s, dask {args.workers} workers "
                  f"{rate['dask']:,.0f} rows/s: speed-up {single.seconds / spread.seconds:.2f}x")  # fmt: skip
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
