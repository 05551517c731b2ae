"""The demo's raw exports: two rounds split in time, and a "worse" export with broken tracking."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from local.sample_data import TEST_SIZE, break_tracking, write_exports


def test_exports_split_in_time_and_renamed(tmp_path: Path) -> None:
    exports = write_exports(str(tmp_path), TEST_SIZE, seed=3)
    first = pd.read_parquet(exports.interactions)
    later = pd.read_parquet(exports.new_interactions)
    everything = pd.read_parquet(exports.all_interactions)
    items = pd.read_parquet(exports.items)
    assert list(first.columns) == ["user_id", "sku", "event", "ts"]
    assert list(items.columns) == ["sku", "category"]
    assert first["ts"].max() < later["ts"].min()
    assert len(first) + len(later) == len(everything)
    assert set(everything["event"]) == {"click", "purchase"}
    assert set(everything["sku"]) <= set(items["sku"])
    broken = pd.read_parquet(exports.broken_interactions)
    assert len(broken) == len(everything)
    assert (broken["sku"] != everything["sku"]).sum() > len(later) / 2


def test_broken_tracking_changes_only_the_late_rows() -> None:
    frame = pd.DataFrame(
        {"USER_ID": list("aabbcc"), "ITEM_ID": list("xyzxyw"), "TIMESTAMP": [1, 2, 3, 4, 5, 6]}
    )
    broken = break_tracking(frame, since=4, seed=0)
    assert list(broken["ITEM_ID"][:3]) == ["x", "y", "z"]
    assert set(broken["ITEM_ID"][3:]) <= {"w", "x", "y", "z"}
    assert list(broken["USER_ID"]) == list(frame["USER_ID"])
