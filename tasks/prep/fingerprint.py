"""64-bit fingerprints of rows, vectorised with numpy, for finding exact duplicates.

Strings are hashed straight from their Arrow buffers with a polynomial hash (prefix sums of
byte * R^position, wrapping at 2^64, normalised by the inverse power of the start), then mixed
with the length and a splitmix64 finaliser; numbers are hashed from their bits; nulls have
their own value. Rows combine their columns' hashes. Two different rows share a fingerprint
with a probability of about n^2 / 2^65 (below 1e-5 for 10 million rows).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

_R = np.uint64(0x9E3779B97F4A7C15 | 1)
_NULL = np.uint64(0x6A09E667F3BCC909)
_COMBINE = np.uint64(0xBF58476D1CE4E5B9)


def _inverse(odd: int) -> int:
    """The multiplicative inverse of an odd number modulo 2^64 (Newton's iteration)."""
    inverse = odd
    for _ in range(6):
        inverse = (inverse * (2 - odd * inverse)) % (1 << 64)
    return inverse


class _Powers:
    """R^k and R^-k modulo 2^64 for k up to the longest buffer seen, grown on demand."""

    def __init__(self) -> None:
        self.up = np.ones(1, np.uint64)
        self.down = np.ones(1, np.uint64)

    def ensure(self, size: int) -> None:
        if size <= len(self.up):
            return
        size = max(size, 2 * len(self.up))
        self.up = np.concatenate([[np.uint64(1)], np.cumprod(np.full(size - 1, _R, np.uint64))])
        inverse = np.uint64(_inverse(int(_R)))
        self.down = np.concatenate(
            [[np.uint64(1)], np.cumprod(np.full(size - 1, inverse, np.uint64))]
        )


_POWERS = _Powers()


def mix(values: np.ndarray) -> np.ndarray:
    """splitmix64's finaliser: spreads every input bit over the whole 64-bit result."""
    z = values.astype(np.uint64, copy=True)
    z ^= z >> np.uint64(30)
    z *= np.uint64(0xBF58476D1CE4E5B9)
    z ^= z >> np.uint64(27)
    z *= np.uint64(0x94D049BB133111EB)
    z ^= z >> np.uint64(31)
    return z


def hash_strings(array: pa.Array) -> np.ndarray:
    """A 64-bit hash of each string of a (large_)string array."""
    offsets_type: type[np.signedinteger[Any]] = np.int32
    if pa.types.is_large_string(array.type):
        offsets_type = np.int64
    else:
        array = array.cast(pa.string())
    n = len(array)
    _, offsets_buffer, data_buffer = array.buffers()
    offsets = np.frombuffer(offsets_buffer, offsets_type)[array.offset : array.offset + n + 1]
    offsets = offsets.astype(np.int64)
    start, end = int(offsets[0]), int(offsets[-1])
    size = end - start
    data = (
        np.frombuffer(data_buffer, np.uint8)[start:end]
        if data_buffer is not None
        else np.empty(0, np.uint8)
    )
    _POWERS.ensure(size + 1)
    prefix = np.empty(size + 1, np.uint64)
    prefix[0] = 0
    # byte * R^k, then running sums, in place (no temporary arrays the size of the data).
    np.multiply(data, _POWERS.up[:size], out=prefix[1:], dtype=np.uint64)
    np.cumsum(prefix[1:], out=prefix[1:])
    relative = offsets - start
    spans = prefix[relative[1:]] - prefix[relative[:-1]]
    hashed = spans * _POWERS.down[relative[:-1]]
    lengths = (relative[1:] - relative[:-1]).astype(np.uint64)
    return _with_nulls(mix(hashed ^ mix(lengths + np.uint64(1))), array)


def hash_column(array: pa.Array) -> np.ndarray:
    """A 64-bit hash of each value of a string, integer, float or boolean array."""
    kind = array.type
    if pa.types.is_string(kind) or pa.types.is_large_string(kind):
        return hash_strings(array)
    if pa.types.is_boolean(kind):
        values = array.fill_null(False).to_numpy(zero_copy_only=False).astype(np.uint64)
    elif pa.types.is_floating(kind):
        values = array.cast(pa.float64()).fill_null(0).to_numpy().view(np.uint64)
    else:
        values = array.cast(pa.int64()).fill_null(0).to_numpy().view(np.uint64)
    return _with_nulls(mix(values), array)


def hash_rows(batch: pa.RecordBatch, known: dict[str, np.ndarray] | None = None) -> np.ndarray:
    """A 64-bit fingerprint of each row (equal rows, equal fingerprints).

    ``known`` holds column hashes computed already (by column name), which are reused.
    """
    known = known or {}
    combined = np.zeros(batch.num_rows, np.uint64)
    for name, column in zip(batch.schema.names, batch.columns, strict=True):
        combined *= _COMBINE
        # Column hashes are already well mixed: a final mix of the sum is enough.
        combined += known[name] if name in known else _hash_few(column)
    return mix(combined)


def _hash_few(array: pa.Array) -> np.ndarray:
    """``hash_column``, faster for strings with few distinct values (event types, categories)."""
    if pa.types.is_string(array.type) and len(array) >= 1024:
        encoded = pc.dictionary_encode(array)
        if len(encoded.dictionary) * 8 < len(array):
            indices = encoded.indices.fill_null(0).to_numpy()
            return _with_nulls(hash_strings(encoded.dictionary)[indices], array)
    return hash_column(array)


def _with_nulls(hashed: np.ndarray, array: pa.Array) -> np.ndarray:
    if array.null_count:
        hashed[array.is_null().to_numpy(zero_copy_only=False)] = _NULL
    return hashed
