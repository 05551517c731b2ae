"""Counting rows per key (users, items, event types) over many batches.

Each batch is reduced to (key, count) with Arrow's hash kernels; the partial results are
merged whenever they outgrow the merged table, so memory follows the number of distinct keys,
not the number of rows.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc


class KeyCounter:
    """Rows per distinct value of one column, accumulated batch by batch."""

    def __init__(self) -> None:
        self._merged: pa.Table | None = None
        self._parts: list[pa.Table] = []
        self._pending = 0

    def add(self, keys: pa.Array) -> None:
        """Count the values of ``keys`` (nulls are not counted)."""
        counts = pc.value_counts(keys.drop_null())
        self._parts.append(
            pa.table({"key": counts.field("values"), "count": counts.field("counts")})
        )
        self._pending += len(counts)
        merged = len(self._merged) if self._merged is not None else 0
        if self._pending > max(merged, 1 << 20):
            self._merge()

    def subtract(self, keys: pa.Array) -> None:
        """Take rows back (e.g. rows a later rule removed): counts of ``keys`` go down."""
        counts = pc.value_counts(keys.drop_null())
        negative = pc.negate(counts.field("counts").cast(pa.int64()))
        self._parts.append(pa.table({"key": counts.field("values"), "count": negative}))
        self._pending += len(counts)

    def _merge(self) -> None:
        parts = ([self._merged] if self._merged is not None else []) + self._parts
        if parts:
            table = pa.concat_tables([p.cast(parts[0].schema) for p in parts])
            grouped = table.group_by("key").aggregate([("count", "sum")])
            self._merged = grouped.rename_columns(["key", "count"])
        self._parts, self._pending = [], 0

    def table(self) -> pa.Table:
        """(key, count) for every key seen with a positive count."""
        self._merge()
        if self._merged is None:
            return pa.table({"key": pa.array([], pa.string()), "count": pa.array([], pa.int64())})
        return self._merged.filter(pc.greater(self._merged["count"], 0))

    def as_dict(self) -> dict[str, int]:
        """{key: count}, most frequent first (for few keys, e.g. event types or reasons)."""
        table = self.table().sort_by([("count", "descending"), ("key", "ascending")])
        return dict(zip(table["key"].to_pylist(), table["count"].to_pylist(), strict=True))

    def counts(self) -> np.ndarray:
        """The counts alone (one per distinct key), as int64."""
        return self.table()["count"].to_numpy().astype(np.int64)

    def keys_where(self, below: int | None = None, above: int | None = None) -> pa.Array:
        """Keys whose count is below ``below`` or above ``above``."""
        table = self.table()
        mask = pa.array(np.zeros(len(table), np.bool_))
        if below is not None:
            mask = pc.or_(mask, pc.less(table["count"], below))
        if above is not None:
            mask = pc.or_(mask, pc.greater(table["count"], above))
        return table["key"].filter(mask).combine_chunks()
