"""The one-bit-per-row keep mask."""

from __future__ import annotations

import numpy as np

from tasks.prep.rowmask import RowMask


def test_clear_and_get_at_any_bit_offset_and_back_from_its_bits() -> None:
    mask = RowMask(21)
    expected = np.ones(21, np.bool_)
    mask.clear(np.array([0, 7, 8, 20, 4, 6]))
    expected[[0, 7, 8, 20, 4, 6]] = False
    mask = RowMask(21, mask.bits.copy())
    assert mask.get(0, 21).tolist() == expected.tolist()
    assert mask.get(5, 11).tolist() == expected[5:16].tolist()
    assert mask.get(20, 1).tolist() == [False]
    assert mask.count() == int(expected.sum())
