"""Splitting rows by the top bits of a 64-bit hash into partition files on disk.

Equal hashes always land in the same partition, so each partition can later be processed
alone (duplicates found, keys counted) with a fraction of the memory. Within a partition,
records keep the order they were added in.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import IO

import numpy as np

PARTITION_BITS = 6


def write_partitioned(files: Sequence[IO[bytes]], hashes: np.ndarray, records: np.ndarray) -> None:
    """Append ``records[i]`` to the file of ``hashes[i]``'s partition (1 << PARTITION_BITS)."""
    partition = (hashes >> np.uint64(64 - PARTITION_BITS)).astype(np.uint8)
    order = np.argsort(partition, kind="stable")  # a radix sort for uint8
    bounds = np.searchsorted(partition[order], np.arange(len(files) + 1))
    for i, handle in enumerate(files):
        if bounds[i] < bounds[i + 1]:
            records[order[bounds[i] : bounds[i + 1]]].tofile(handle)
