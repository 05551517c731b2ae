"""Finding exact duplicate rows in bounded memory: fingerprints partitioned on disk.

While the rows stream by, each row's 64-bit fingerprint (``fingerprint.py``) and row index go
to one of up to 64 files by the fingerprint's top bits (``partitions.files_for``). Afterwards
each file is read alone and its repeated fingerprints cleared in the keep mask (``rowmask.py``,
a bit per row); so memory holds a file's fingerprints at a time. The first occurrence of a row
is kept.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from tasks.prep.partitions import files_for, write_partitioned
from tasks.prep.rowmask import RowMask

_RECORD = np.dtype([("fingerprint", np.uint64), ("row", np.int64)])


class DuplicateFinder:
    """Collects fingerprints by partition; ``keep_mask`` marks the rows to keep."""

    def __init__(self, directory: Path, rows: int) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        self.paths = [directory / f"part-{i:02d}.bin" for i in range(files_for(rows))]
        self._files = [path.open("wb") for path in self.paths]

    def add(self, fingerprints: np.ndarray, rows: np.ndarray) -> None:
        """Record the fingerprints of these rows (row indices, increasing across calls)."""
        records = np.empty(len(fingerprints), _RECORD)
        records["fingerprint"] = fingerprints
        records["row"] = rows
        write_partitioned(self._files, fingerprints, records)

    def clear_repeats(self, keep: RowMask) -> int:
        """Clear every repeat of an earlier row in ``keep``; return how many there were."""
        for handle in self._files:
            handle.close()
        repeats = 0
        for path in self.paths:
            records = np.fromfile(path, _RECORD)
            path.unlink()
            repeated = pd.Series(records["fingerprint"]).duplicated(keep="first").to_numpy()
            keep.clear(records["row"][repeated])
            repeats += int(repeated.sum())
        return repeats
