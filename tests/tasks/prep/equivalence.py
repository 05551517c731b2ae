"""Input that exercises every rule across several splits, and what two runs must share."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from tasks.prep.config import CleaningConfig, SourceConfig
from tasks.prep.import_folder import import_parts
from tasks.prep.pipeline import PrepResult
from tests.tasks.prep.conftest import MAPPING, T0

# Every rule removes rows: duplicates, event types, window, cap, minimums per user and item.
CLEANING = CleaningConfig(
    event_types=["click", "purchase"],
    window_days=20,
    max_interactions_per_user=40,
    min_interactions_per_user=3,
    min_interactions_per_item=4,
)


def write_source(directory: Path, rows: int = 6000, seed: int = 3) -> SourceConfig:
    """Two Parquet files of several row groups and a CSV with bad rows: several splits."""
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(
        {
            # 5 heavy users (above the cap), many light ones (some below the minimum)
            "user_id": np.where(
                rng.random(rows) < 0.1, rng.integers(0, 5, rows), rng.integers(5, 400, rows)
            ),
            "sku": [f"sku-{i}" for i in rng.zipf(1.3, rows) % 400],
            "ts": (T0 + rng.integers(0, 30 * 86_400, rows)) * 1000,
            "event": rng.choice(["click", "purchase", "view"], rows),
        }
    )
    frame = pd.concat([frame, frame.sample(300, random_state=seed)], ignore_index=True)
    frame = frame.sample(frac=1, random_state=seed).reset_index(drop=True)
    directory.mkdir(parents=True, exist_ok=True)
    half = len(frame) // 2
    for name, part in (("a.parquet", frame.iloc[:half]), ("b.parquet", frame.iloc[half:])):
        pq.write_table(pa.Table.from_pandas(part, preserve_index=False), directory / name,
                       row_group_size=700)  # fmt: skip
    bad = frame.iloc[:50].astype(str)
    bad.loc[:9, "sku"] = ""
    bad.loc[10:14, "ts"] = "soon"
    bad.to_csv(directory / "c.csv", index=False)
    return SourceConfig(uri=str(directory), columns=MAPPING)


def rows(result: PrepResult) -> list[tuple[Any, ...]]:
    """Every row of the import folder, sorted."""
    frames = [
        pd.read_csv(p, dtype=str, keep_default_na=False) for p in import_parts(result.import_uri)
    ]
    return sorted(pd.concat(frames).itertuples(index=False, name=None))


def figures(result: PrepResult) -> dict[str, Any]:
    """The report's figures, without what names the run (time, locations)."""
    return result.report.model_dump(exclude={"prepared_at", "import_uri", "rejects_uri", "drift"})


# Without a minimum per item the per-partition steps run as one job (partition.clean_partition).
CLEANING_IN_ONE_ROUND = CLEANING.model_copy(update={"min_interactions_per_item": 1})


def assert_same(first: PrepResult, second: PrepResult) -> None:
    """Same rows after sorting, same rejects (file for file), same report figures."""
    assert rows(first) == rows(second)
    assert Path(first.rejects_uri).read_bytes() == Path(second.rejects_uri).read_bytes()
    assert figures(first) == figures(second)
    assert len(first.report.events_per_day) == 21  # the 20-day window over 21 UTC days
    removed = first.report.removed_by_rule
    assert all(removed.get(rule, 0) > 0 for rule in (
        "exact duplicate", "event type not in cleaning.event_types",
        "older than cleaning.window_days", "beyond cleaning.max_interactions_per_user",
        "user below cleaning.min_interactions_per_user",
    )), removed  # fmt: skip
    assert first.rows_rejected == 15
