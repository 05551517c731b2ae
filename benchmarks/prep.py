"""Benchmark of data preparation against a bare pyarrow Parquet-to-CSV copy of the same rows.

    python -m benchmarks.prep [--rows 10000000] [--memory-rows 30000000] [--dir /tmp]

Generates raw events as Parquet (user ids as integers, string SKUs, millisecond timestamps,
about 1% duplicated rows and 0.1% empty SKUs), then, each in a fresh child process: the bare
copy (read Parquet, write CSV: the practical limit), and the preparation with default cleaning
(normalise, reject, drop duplicates, count, write the import CSV). Reports rows/s, their ratio
and the peak resident memory (RSS high-water mark) of each child; then the preparation again
on ``--memory-rows`` rows to show how memory grows with input. Files go under ``--dir`` and
are deleted afterwards.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import resource
import shutil
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from tasks.prep.config import CleaningConfig, SourceConfig
from tasks.prep.pipeline import prepare

SCHEMA = {
    "type": "record",
    "name": "Interactions",
    "namespace": "com.amazonaws.personalize.schema",
    "fields": [
        {"name": "USER_ID", "type": "string"},
        {"name": "ITEM_ID", "type": "string"},
        {"name": "TIMESTAMP", "type": "long"},
        {"name": "EVENT_TYPE", "type": "string"},
    ],
    "version": "1.0",
}
MAPPING = {"USER_ID": "user_id", "ITEM_ID": "sku", "TIMESTAMP": "ts", "EVENT_TYPE": "event"}
CHUNK = 1_000_000


def generate(path: Path, rows: int, seed: int = 0) -> None:
    """Raw events as Parquet, written chunk by chunk with vectorised generators."""
    rng = np.random.default_rng(seed)
    users, items = max(rows // 20, 100), max(rows // 200, 100)
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


def _child(job: Callable[[Path, Path], int], source: Path, target: Path, queue: Any) -> None:
    started = time.perf_counter()
    rows = job(source, target)
    elapsed = time.perf_counter() - started
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    queue.put((rows, elapsed, peak_kib * 1024))


def measure(job: Callable[[Path, Path], int], source: Path, target: Path) -> tuple[int, float, int]:
    """(rows, seconds, peak RSS bytes) of ``job`` run in a fresh child process."""
    context = mp.get_context("spawn")
    queue = context.Queue()
    process = context.Process(target=_child, args=(job, source, target, queue))
    process.start()
    result = queue.get()
    process.join()
    return result  # type: ignore[no-any-return]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--memory-rows", type=int, default=30_000_000)
    parser.add_argument("--dir", default=tempfile.gettempdir())
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-prep-", dir=args.dir))
    try:
        raw = work / "raw.parquet"
        started = time.perf_counter()
        generate(raw, args.rows)
        print(f"generated {args.rows:,} raw events in {time.perf_counter() - started:.1f} s")
        rows, bare_s, bare_rss = measure(bare_copy, raw, work / "bare.csv")
        rows, prep_s, prep_rss = measure(prep, raw, work / "prepared")
        bare_rate, prep_rate = rows / bare_s, rows / prep_s
        print(
            f"bare Parquet->CSV: {bare_rate:,.0f} rows/s ({bare_s:.2f} s, peak {bare_rss / 2**20:,.0f} MiB)"
        )
        print(
            f"prep:              {prep_rate:,.0f} rows/s ({prep_s:.2f} s, peak {prep_rss / 2**20:,.0f} MiB)"
        )
        print(f"ratio prep/bare:   {prep_rate / bare_rate:.2f}")
        if args.memory_rows:
            shutil.rmtree(work / "prepared", ignore_errors=True)
            (work / "bare.csv").unlink(missing_ok=True)
            generate(raw, args.memory_rows)
            big, big_s, big_rss = measure(prep, raw, work / "prepared")
            print(
                f"prep on {big:,} rows: {big / big_s:,.0f} rows/s ({big_s:.2f} s), "
                f"peak {big_rss / 2**20:,.0f} MiB vs {prep_rss / 2**20:,.0f} MiB for {rows:,}"
            )
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
