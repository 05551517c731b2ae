"""Counting rows per key over many batches, in bounded memory.

Users and items are counted by their 64-bit hash (``fingerprint.hash_column``, computed once
in the source pass and kept in the spill), which numpy and pandas count and look up much
faster than strings; two ids sharing a hash is as unlikely as a fingerprint collision. The
hashes are split on disk by their top bits and each file counted alone
(``HashCounter``). Small string domains (event types, reject reasons) are counted by value.
"""

from __future__ import annotations

from pathlib import Path
from typing import BinaryIO

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from tasks.prep.partitions import MAX_BITS, files_for, write_partitioned


class HashCounter:
    """Rows per distinct 64-bit key, in partition files on disk until counted.

    Keys go to one of up to 64 files (enough for the ``rows`` expected, 64 when not known) by
    their top bits, so
    every key's rows are in one file; each file is then counted alone. Counting happens once,
    with no merging of partial counts, and memory holds one file's keys at a time.
    """

    def __init__(self, directory: Path, rows: int | None = None) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        files = 1 << MAX_BITS if rows is None else files_for(rows)
        self._paths = [directory / f"keys-{i:02d}.bin" for i in range(files)]
        self._files: list[BinaryIO] | None = [path.open("wb") for path in self._paths]
        self._removed: list[np.ndarray] = []
        self._series: pd.Series | None = None

    def add(self, keys: np.ndarray) -> None:
        """Count one row for each of ``keys``."""
        assert self._files is not None, "keys cannot be added after counting"
        write_partitioned(self._files, keys, keys.astype(np.uint64, copy=False))

    def remove(self, keys: np.ndarray) -> None:
        """Take rows back (rows a later rule removed)."""
        self._removed.append(keys.astype(np.uint64))

    def series(self) -> pd.Series:
        """count by key, for keys with a positive count."""
        if self._series is None:
            assert self._files is not None
            for handle in self._files:
                handle.close()
            self._files = None
            removed = pd.Series(np.concatenate([np.empty(0, np.uint64), *self._removed]))
            removed_counts = removed.value_counts(sort=False)
            parts = []
            for path in self._paths:
                counts = pd.Series(np.fromfile(path, np.uint64)).value_counts(sort=False)
                path.unlink()
                parts.append(counts.sub(removed_counts, fill_value=0) if len(removed) else counts)
            merged = pd.concat(parts) if parts else pd.Series(np.empty(0, np.int64))
            self._series = merged[merged > 0].astype(np.int64)
        return self._series

    def counts(self) -> np.ndarray:
        """The counts alone, one per distinct key."""
        return self.series().to_numpy(np.int64)

    def keys_where(self, below: int | None = None, above: int | None = None) -> np.ndarray:
        """Keys whose count is below ``below`` or above ``above``."""
        series = self.series()
        mask = np.zeros(len(series), np.bool_)
        if below is not None:
            mask |= series.to_numpy() < below
        if above is not None:
            mask |= series.to_numpy() > above
        return series.index.to_numpy(np.uint64)[mask]


class HashSet:
    """Membership of 64-bit keys, with the hash table built once for many lookups."""

    def __init__(self, keys: np.ndarray) -> None:
        self._index = pd.Index(np.unique(keys.astype(np.uint64)))
        self._index.get_indexer(np.empty(0, np.uint64))  # build the table now

    def __len__(self) -> int:
        return len(self._index)

    @property
    def keys(self) -> np.ndarray:
        """The keys, sorted."""
        return self._index.to_numpy(np.uint64)

    def contains(self, keys: np.ndarray) -> np.ndarray:
        """Bool mask: which ``keys`` are in the set."""
        return np.asarray(self._index.get_indexer(keys) >= 0)


class ValueCounter:
    """Rows per value of a column with few distinct values (event types, reasons)."""

    def __init__(self) -> None:
        self._counts: dict[str, int] = {}

    def add(self, values: pa.Array) -> None:
        """Count the non-null values."""
        counts = pc.value_counts(values.drop_null())
        for value, count in zip(
            counts.field("values").to_pylist(), counts.field("counts").to_pylist(), strict=True
        ):
            self._counts[value] = self._counts.get(value, 0) + count

    def as_dict(self) -> dict[str, int]:
        """{value: count}, most frequent first."""
        return self.sorted(self._counts)

    @staticmethod
    def sorted(counts: dict[str, int]) -> dict[str, int]:
        """{value: count}, most frequent first (then by value)."""
        return dict(sorted(counts.items(), key=lambda item: (-item[1], item[0])))
