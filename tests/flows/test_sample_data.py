"""The demo's raw exports: two rounds split in time, and a scrambled "worse" export."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from flows.sample_data import TEST_SIZE, scramble_items, write_exports


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
    scrambled = pd.read_parquet(exports.scrambled_interactions)
    assert len(scrambled) == len(everything)


def test_scrambling_keeps_popularity_but_moves_items() -> None:
    frame = pd.DataFrame({"USER_ID": list("aabbcc"), "ITEM_ID": list("xyzxyw")})
    scrambled = scramble_items(frame, seed=0)
    assert sorted(scrambled["ITEM_ID"]) == sorted(frame["ITEM_ID"])
    assert list(scrambled["USER_ID"]) == list(frame["USER_ID"])
    assert list(scrambled["ITEM_ID"]) != list(frame["ITEM_ID"])
