"""Splitting records by the top bits of a 64-bit hash into files on disk.

Equal hashes always land in the same file, so each file can later be processed alone
(duplicates found, keys counted) with a fraction of the memory. Within a file, records keep
the order they were added in. How many files: enough for about ``ROWS_PER_FILE`` records each
(``files_for``), a power of two up to 64, so small data costs few files.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import IO

import numpy as np

MAX_BITS = 6
ROWS_PER_FILE = 512 * 1024


def files_for(rows: int) -> int:
    """How many files ``rows`` records go to: a power of two, 1 to 64."""
    bits = 0
    while bits < MAX_BITS and rows > ROWS_PER_FILE << bits:
        bits += 1
    return 1 << bits


def write_partitioned(files: Sequence[IO[bytes]], hashes: np.ndarray, records: np.ndarray) -> None:
    """Append ``records[i]`` to the file that ``hashes[i]``'s top bits pick (len(files): 2^n)."""
    if len(files) == 1:
        records.tofile(files[0])
        return
    bits = len(files).bit_length() - 1
    partition = (hashes >> np.uint64(64 - bits)).astype(np.uint8)
    order = np.argsort(partition, kind="stable")  # a radix sort for uint8
    bounds = np.searchsorted(partition[order], np.arange(len(files) + 1))
    ordered = records[order]  # one gather; each file then gets a slice of it
    for i, handle in enumerate(files):
        if bounds[i] < bounds[i + 1]:
            ordered[bounds[i] : bounds[i + 1]].tofile(handle)
