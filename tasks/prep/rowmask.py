"""Which rows of the spill are kept: one bit per row, so that 100 million rows take 12.5 MB."""

from __future__ import annotations

import numpy as np


class RowMask:
    """A bit per row, all set at first; rules clear the rows they remove."""

    def __init__(self, rows: int, bits: np.ndarray | None = None) -> None:
        self.rows = rows
        self.bits = np.full((rows + 7) // 8, 0xFF, np.uint8) if bits is None else bits

    def clear(self, rows: np.ndarray) -> None:
        """Clear these rows (indices)."""
        index = rows.astype(np.int64)
        bits = (np.uint8(0x80) >> (index & 7).astype(np.uint8)).astype(np.uint8)
        np.bitwise_and.at(self.bits, index >> 3, ~bits)

    def get(self, first: int, count: int) -> np.ndarray:
        """The bools of rows ``first`` .. ``first + count - 1``."""
        start, offset = first >> 3, first & 7
        covered = np.unpackbits(self.bits[start : (first + count + 7) >> 3])
        return covered[offset : offset + count].astype(np.bool_)

    def count(self) -> int:
        """How many rows are set."""
        return int(np.unpackbits(self.bits, count=self.rows).sum())
