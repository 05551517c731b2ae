"""Benchmark of data preparation, in one process and on a local Dask cluster, against a bare copy.

    python -m benchmarks.prep [--rows 10000000] [--memory-rows 30000000] [--workers 2] [--dir /tmp]
    python -m benchmarks.prep --driver-rows 3000000   # the flow process's own steps, per row

1. Generates raw events as Parquet (500,000 users with integer ids, 50,000 string SKUs with a
   Zipf popularity, millisecond timestamps, about 1% duplicated rows and 0.1% empty SKUs; row
   groups of 1M rows, so 10M rows are 10 splits).
2. Runs, ``--repeat`` times each and interleaved (the machine may be shared with other work;
   every trial is printed, the fastest of each counts): the bare copy (read Parquet, write CSV:
   the practical limit, in a fresh child process), the preparation with default cleaning in one
   process (the default runner, in a fresh child process), and the same preparation as a
   Prefect subflow whose steps' jobs are Dask futures on a local cluster of ``--workers`` worker
   processes (prefect-dask; a temporary Prefect API; the cluster is started, and its workers
   import the project and Prefect's collections, before the clock starts, as an existing
   cluster in use would be; the clock runs around ``prepare_dataset`` inside a flow, so its
   subflow and jobs count, and the calling flow's own start and end, which a caller has
   with either runner, do not). The children are started with this process's environment as it
   was before the cluster started (Dask's nanny sets allocator variables in it, see
   ``tasks/prep/allocator.py``).
3. Reports rows/s, wall time and CPU time (user + system; for the Dask run, of every process of
   the run: this one with the scheduler, the workers and the Prefect API server) per million
   rows, the cores each path kept busy (CPU / wall), the peak resident memory (RSS high-water
   mark) of the child and of each Dask worker, and the load average beside every figure; per
   trial, both runners' CPU per million rows, their ratio and the speed-up; then the speed-up
   of the cluster over one process, and each runner's rate per core against the bare copy's.
4. Runs both once more on ``--memory-rows`` rows (a fresh cluster) to show that memory per
   worker stays bounded as input grows, and for the speed-up at that size. Files go under
   ``--dir`` and are deleted afterwards. The last line:
   ``prep scale-out: CPU per row dask/process X.XXx, speed-up at 30M rows Y.YYx`` (the least
   CPU per row of each runner's trials; the speed-up on ``--memory-rows``, wall time).
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
import psutil
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from tasks.prep.config import CleaningConfig, PrepRunConfig, SourceConfig
from tasks.prep.holdout import HoldoutSpec
from tasks.prep.pipeline import prepare
from tasks.prep.runners import quiet_cluster

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
    """One measured run: rows, wall seconds, CPU seconds of all its processes, peak RSS."""

    rows: int
    seconds: float
    cpu_seconds: float  # user + system, all threads, of the job alone
    peak_rss: int

    @property
    def rate(self) -> float:
        """Rows per second of wall time."""
        return self.rows / self.seconds

    @property
    def cpu_per_million(self) -> float:
        """CPU seconds per million rows."""
        return self.cpu_seconds / self.rows * 1e6


def measure(
    job: Callable[[Path, Path], int], source: Path, target: Path, env: dict[str, str]
) -> Run:
    """``job`` run in a fresh child process started with ``env``: rows, wall, CPU, peak RSS."""
    context = mp.get_context("spawn")
    queue = context.Queue()
    process = context.Process(target=_child, args=(job, source, target, queue))
    with _environment(env):
        process.start()
    result: Run = queue.get()
    process.join()
    if target.is_dir():
        shutil.rmtree(target)
    else:
        target.unlink(missing_ok=True)
    return result


@contextmanager
def _environment(env: dict[str, str]) -> Iterator[None]:
    """This process's environment set to ``env`` within, and put back afterwards."""
    saved = dict(os.environ)
    os.environ.clear()
    os.environ.update(env)
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


def describe(name: str, run: Run, workers: list[int] | None = None) -> str:
    """One line of results."""
    memory = f"peak RSS {run.peak_rss / 2**20:,.0f} MiB"
    if workers:
        memory = "peak RSS per worker " + ", ".join(f"{w / 2**20:,.0f}" for w in workers) + " MiB"
    return (
        f"{name:<26} {run.rate:>10,.0f} rows/s  {run.seconds:6.2f} s wall, "
        f"{run.cpu_seconds:6.2f} s CPU = {run.cpu_per_million:.3f} s per M rows, "
        f"{run.cpu_seconds / run.seconds:.2f} cores busy, {memory}, load {os.getloadavg()[0]:.1f}"
    )


class DaskBench:
    """Preparation as a Prefect flow on a local Dask cluster that outlives the trials."""

    def __init__(self, workers: int) -> None:
        from distributed import Client, LocalCluster

        # The nanny's variables stay out of this process; the cluster is set up as docs/deploying.md
        # advises for a preparation cluster (``runners.QUIET_CLUSTER``).
        with _environment(dict(os.environ)), quiet_cluster():
            self.cluster = LocalCluster(
                n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None,
                silence_logs=logging.ERROR,
            )  # fmt: skip
            self.client = Client(self.cluster)
        self.client.run(_warm_up)  # workers of a cluster in use have the project imported
        self.peaks: list[int] = []

    def run(self, source: Path, target: Path) -> Run:
        """One preparation on the cluster: rows, wall seconds, CPU of all processes of the run."""
        from prefect import flow

        from tasks.prep.task import prepare_dataset

        settings = PrepRunConfig(runner="dask", dask_address=self.cluster.scheduler_address)

        @flow(name="bench-prep")
        def bench() -> tuple[int, float, float]:
            # Timed inside the flow: its own start and end are the caller's in either runner.
            before = _tree_cpu_seconds()
            started = time.perf_counter()
            result = prepare_dataset(
                SourceConfig(uri=str(source), columns=MAPPING), CleaningConfig(), SCHEMA,
                "INTERACTIONS", str(target), run=settings,
            )  # fmt: skip
            elapsed = time.perf_counter() - started
            after = _tree_cpu_seconds()
            cpu = sum(after[pid] - before[pid] for pid in after if pid in before)
            return result.rows_in, elapsed, cpu

        rows, elapsed, cpu = bench()
        self.peaks = list(self.client.run(_peak_rss).values())
        shutil.rmtree(target, ignore_errors=True)
        return Run(rows, elapsed, cpu, max(self.peaks))

    def close(self) -> None:
        self.client.close()
        self.cluster.close()


def _tree_cpu_seconds() -> dict[int, float]:
    """CPU seconds so far of this process and every process under it (workers, API server)."""
    me = psutil.Process()
    seconds: dict[int, float] = {}
    for process in [me, *me.children(recursive=True)]:
        try:
            times = process.cpu_times()
        except psutil.Error:
            continue
        seconds[process.pid] = times.user + times.system
    return seconds


def _warm_up() -> None:
    import prefect.task_engine  # noqa: F401
    from prefect.plugins import load_prefect_collections

    import tasks.prep.task  # noqa: F401

    load_prefect_collections()


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


def driver_work(rows: int, work: Path) -> None:
    """CPU per million rows the driver's own steps add to a plain preparation, in this process.

    The same rows are prepared plain (twice; the least counts), then with the dataset's current
    files (the shrink guard's history read), the accepted data (the data checks) and a holdout,
    each against the first run's import folder (as many rows as the export).
    """
    raw = work / "raw.parquet"
    try:
        generate(raw, rows)

        def run(name: str, **options: Any) -> float:
            cpu = _cpu_seconds()
            result = prepare(
                SourceConfig(uri=str(raw), columns=MAPPING), CleaningConfig(), SCHEMA,
                "INTERACTIONS", str(work / name), history_uri=str(work / f"{name}.json"), **options,
            )  # fmt: skip
            per_million = (_cpu_seconds() - cpu) / result.rows_in * 1e6
            print(f"{name:<10} {per_million:.3f} CPU s per M rows (load {os.getloadavg()[0]:.1f})")
            return per_million

        run("warm-up")
        accepted = [f"{work / 'warm-up' / 'interactions'}/"]
        plain = run("plain")
        added = {
            "history read": run("history", current_files=accepted),
            "data checks": run("checks", accepted=accepted),
            "holdout": run("holdout", holdout=HoldoutSpec(days=7, max_users=10_000)),
        }
        plain = min(plain, run("plain-2"))
        print("driver's own work, CPU s per M rows added: " + ", ".join(
            f"{name} {value - plain:+.3f}" for name, value in added.items()
        ) + f" (plain {plain:.3f})")  # fmt: skip
    finally:
        shutil.rmtree(work, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--memory-rows", type=int, default=30_000_000)
    parser.add_argument("--workers", type=int, default=2, help="Dask worker processes")
    parser.add_argument("--repeat", type=int, default=2, help="trials of each; the fastest counts")
    parser.add_argument("--dir", default=tempfile.gettempdir())
    parser.add_argument(
        "--driver-rows", type=int, default=0,
        help="instead: the CPU per row of the steps the flow's process runs (history, checks, holdout)",
    )  # fmt: skip
    args = parser.parse_args()
    if args.driver_rows:
        driver_work(args.driver_rows, Path(tempfile.mkdtemp(prefix="bench-prep-", dir=args.dir)))
        return
    print(f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} at the start")
    env = dict(os.environ)  # for the children, before any cluster touches it
    work = Path(tempfile.mkdtemp(prefix="bench-prep-", dir=args.dir))
    try:
        raw = work / "raw.parquet"
        started = time.perf_counter()
        generate(raw, args.rows)
        print(f"generated {args.rows:,} raw events in {time.perf_counter() - started:.1f} s")
        with prefect_api():
            trials, peaks = _trials(args, raw, work, env)
            bare, single, spread = (min(trials[n], key=lambda r: r.seconds) for n in trials)
            speed_up, size = single.seconds / spread.seconds, args.rows
            if args.memory_rows:
                speed_up = _memory(args, raw, work, env, single, max(max(p) for p in peaks))
                size = args.memory_rows
        least = {n: min(trials[n], key=lambda r: r.cpu_per_million) for n in trials}
        _summary(args, bare, single, spread, least)
        print(f"prep scale-out: CPU per row dask/process "
              f"{least['dask'].cpu_per_million / least['process'].cpu_per_million:.2f}x, "
              f"speed-up at {size // 1_000_000}M rows {speed_up:.2f}x")  # fmt: skip
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _trials(
    args: argparse.Namespace, raw: Path, work: Path, env: dict[str, str]
) -> tuple[dict[str, list[Run]], list[list[int]]]:
    """Every trial of the three jobs, interleaved, each printed as it ends."""
    dask = DaskBench(args.workers)
    trials: dict[str, list[Run]] = {"bare": [], "process": [], "dask": []}
    peaks: list[list[int]] = []
    labels = {"bare": "bare Parquet->CSV", "process": "prep, one process",
              "dask": f"prep, dask {args.workers} workers"}  # fmt: skip
    for trial in range(1, args.repeat + 1):
        for name in trials:
            if name == "dask":
                result = dask.run(raw, work / "prepared")
                peaks.append(dask.peaks)
            else:
                job = bare_copy if name == "bare" else prep
                result = measure(
                    job, raw, work / ("bare.csv" if name == "bare" else "prepared"), env
                )
            trials[name].append(result)
            print(
                describe(f"{labels[name]} #{trial}", result, dask.peaks if name == "dask" else None)
            )
        print(ratio(f"trial #{trial}", trials["process"][-1], trials["dask"][-1]))
    dask.close()
    return trials, peaks


def ratio(label: str, single: Run, spread: Run) -> str:
    """Both runners' CPU seconds per million rows, their ratio, and the speed-up (wall time)."""
    return (
        f"{label}: CPU s per M rows one process {single.cpu_per_million:.3f}, dask "
        f"{spread.cpu_per_million:.3f}, dask/process {spread.cpu_per_million / single.cpu_per_million:.2f}x; "
        f"speed-up {single.seconds / spread.seconds:.2f}x (load {os.getloadavg()[0]:.1f})"
    )


def _memory(
    args: argparse.Namespace, raw: Path, work: Path, env: dict[str, str], single: Run, peak: int
) -> float:
    """Both runners once on ``--memory-rows`` rows: peak memory against the smaller run's;
    returns the speed-up of the cluster over one process at that size (wall time)."""
    generate(raw, args.memory_rows)
    millions = args.memory_rows // 1_000_000
    big = measure(prep, raw, work / "prepared", env)
    print(describe(f"prep, one process {millions}M", big))
    dask = DaskBench(args.workers)
    big_dask = dask.run(raw, work / "prepared")
    big_peaks = dask.peaks
    dask.close()
    print(describe(f"prep, dask {millions}M", big_dask, big_peaks))
    print(ratio(f"{millions}M rows", big, big_dask))
    print(f"peak RSS, one process: {single.peak_rss / 2**20:,.0f} MiB at "
          f"{args.rows:,} rows, {big.peak_rss / 2**20:,.0f} MiB at {args.memory_rows:,}")  # fmt: skip
    print(f"peak RSS per dask worker: {peak / 2**20:,.0f} MiB at "
          f"{args.rows:,} rows, {max(big_peaks) / 2**20:,.0f} MiB at {args.memory_rows:,}")  # fmt: skip
    return big.seconds / big_dask.seconds


def _summary(
    args: argparse.Namespace, bare: Run, single: Run, spread: Run, least: dict[str, Run]
) -> None:
    """The fastest trials compared (CPU: each job's least); last, speed-up and rate per core."""
    workers = args.workers
    per_worker = spread.rate / workers
    print(f"fastest of {args.repeat}: bare {bare.rate:,.0f}, one process {single.rate:,.0f}, "
          f"dask {spread.rate:,.0f} rows/s")  # fmt: skip
    cpu = {name: run.cpu_per_million for name, run in least.items()}
    print(f"CPU seconds per million rows, least of {args.repeat}: bare {cpu['bare']:.3f}, one "
          f"process {cpu['process']:.3f}, dask {cpu['dask']:.3f} (all processes); dask/one "
          f"process {cpu['dask'] / cpu['process']:.2f}x the CPU")  # fmt: skip
    print(f"cores busy: bare {bare.cpu_seconds / bare.seconds:.2f}, one process "
          f"{single.cpu_seconds / single.seconds:.2f}, dask {spread.cpu_seconds / spread.seconds:.2f} "
          f"of {os.cpu_count()}")  # fmt: skip
    print(f"per core against the bare copy, CPU time: one process "
          f"{cpu['bare'] / cpu['process']:.2f}, dask {cpu['bare'] / cpu['dask']:.2f}")  # fmt: skip
    for n in (2, 8, 32):
        minutes = 1e9 / (per_worker * n) / 60
        print(
            f"1B events on {n} workers at {per_worker:,.0f} rows/s each: about {minutes:,.1f} min"
        )
    print(f"dask {workers} workers {spread.rate:,.0f} rows/s, one process {single.rate:,.0f} "
          f"rows/s: speed-up {single.seconds / spread.seconds:.2f}x; per core "
          f"{per_worker / bare.rate:.2f}x the bare copy (wall time)")  # fmt: skip


if __name__ == "__main__":
    main()
