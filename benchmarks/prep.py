"""Benchmark of data preparation against a bare pyarrow Parquet-to-CSV copy of the same rows.

    python -m benchmarks.prep [--rows 10000000] [--memory-rows 30000000] [--dir /tmp]

Generates raw events as Parquet (500,000 users with integer ids, 50,000 string SKUs with a
Zipf popularity, millisecond timestamps, about 1% duplicated rows and 0.1% empty SKUs), then, each in a fresh child process: the bare
copy (read Parquet, write CSV: the practical limit), and the preparation with default cleaning
(normalise, reject, drop duplicates, count, write the import CSV), ``--repeat`` times each
(the fastest run of each counts: the machine may be shared with other work).
Reports rows/s, their ratio, CPU time and the peak resident memory (RSS high-water mark) of
each child; then the preparation once more on ``--memory-rows`` rows to show how memory grows
with input. Files go under ``--dir`` and are deleted afterwards.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import resource
import shutil
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from tasks.prep.config import CleaningConfig, SourceConfig
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


def best(job: Callable[[Path, Path], int], source: Path, target: Path, repeat: int) -> Run:
    """The fastest of ``repeat`` runs (the machine may be shared), with the highest peak RSS."""
    runs = [measure(job, source, target) for _ in range(repeat)]
    fastest = min(runs, key=lambda run: run.seconds)
    return fastest._replace(peak_rss=max(run.peak_rss for run in runs))


def describe(name: str, run: Run) -> str:
    """One line of results."""
    return (
        f"{name:<18} {run.rows / run.seconds:>12,.0f} rows/s  ({run.seconds:.2f} s wall, "
        f"{run.cpu_seconds:.2f} s CPU, peak RSS {run.peak_rss / 2**20:,.0f} MiB)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--memory-rows", type=int, default=30_000_000)
    parser.add_argument("--repeat", type=int, default=2, help="runs of each; the fastest counts")
    parser.add_argument("--dir", default=tempfile.gettempdir())
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-prep-", dir=args.dir))
    try:
        raw = work / "raw.parquet"
        started = time.perf_counter()
        generate(raw, args.rows)
        print(f"generated {args.rows:,} raw events in {time.perf_counter() - started:.1f} s")
        bare = best(bare_copy, raw, work / "bare.csv", args.repeat)
        prepared = best(prep, raw, work / "prepared", args.repeat)
        print(describe("bare Parquet->CSV", bare))
        print(describe("prep", prepared))
        print(f"ratio prep/bare    {bare.seconds / prepared.seconds:.2f} (wall time)")
        # CPU time is less sensitive to other work on a shared machine.
        print(f"ratio prep/bare    {bare.cpu_seconds / prepared.cpu_seconds:.2f} (CPU time)")
        if args.memory_rows:
            generate(raw, args.memory_rows)
            big = measure(prep, raw, work / "prepared")
            print(describe(f"prep {args.memory_rows // 1_000_000}M rows", big))
            print(
                f"peak RSS {prepared.peak_rss / 2**20:,.0f} MiB at {prepared.rows:,} rows, "
                f"{big.peak_rss / 2**20:,.0f} MiB at {big.rows:,} rows"
            )
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
