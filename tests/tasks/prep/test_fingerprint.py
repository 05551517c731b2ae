"""Row fingerprints and the partitioned duplicate finder."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest

from tasks.prep.duplicates import DuplicateFinder
from tasks.prep.fingerprint import hash_rows, hash_strings
from tasks.prep.rowmask import RowMask


def test_equal_strings_hash_equal_wherever_they_sit() -> None:
    array = pa.array(["abc", "x", "abc", "", None, "ab", "é", "abc" * 100, "x"])
    hashed = hash_strings(array)
    assert hashed[0] == hashed[2] and hashed[1] == hashed[8]
    assert len(set(hashed.tolist())) == 7  # "", None and each distinct string differ
    assert hash_strings(array.slice(2, 3))[0] == hashed[0]
    assert hash_strings(array.cast(pa.large_string()))[5] == hashed[5]


def test_rows_differing_in_any_column_differ() -> None:
    batch = pa.RecordBatch.from_pydict(
        {
            "U": ["a", "a", "a", "a", "b"],
            "T": [1, 1, 2, 1, 1],
            "V": [0.5, 0.5, 0.5, None, 0.5],
            "B": [True, True, True, True, True],
        }
    )
    hashed = hash_rows(batch)
    assert hashed[0] == hashed[1]
    assert len(set(hashed[1:].tolist())) == 4


def test_many_distinct_ids_have_no_collisions() -> None:
    ids = pa.array([f"user-{i}" for i in range(200_000)])
    assert len(np.unique(hash_strings(ids))) == 200_000


@pytest.mark.parametrize("expected_rows", [9, 100_000_000], ids=["one-file", "64-files"])
def test_duplicate_finder_keeps_first_occurrences_across_batches(
    tmp_path: Path, expected_rows: int
) -> None:
    finder = DuplicateFinder(tmp_path, expected_rows)
    assert len(finder.paths) == (1 if expected_rows == 9 else 64)
    finder.add(np.array([5, 7, 5], np.uint64), np.arange(3))
    finder.add(np.array([7, 9, 2**63 + 1, 2**63 + 1], np.uint64), np.array([4, 5, 6, 8]))
    keep = RowMask(9)
    assert finder.clear_repeats(keep) == 3  # rows 3 and 7 were never added: kept
    assert keep.get(0, 9).tolist() == [True, True, False, True, False, True, True, True, False]


def test_few_distinct_values_hash_as_many_do() -> None:
    values = pa.array(["click", "view", None, "purchase"] * 1000)
    many = pa.array([f"id-{i}" for i in range(4000)])
    batch = pa.RecordBatch.from_pydict({"E": values, "U": many})
    # The same rows hashed by value and with E dictionary-encoded give the same fingerprints.
    assert (hash_rows(batch) == hash_rows(batch, {"E": hash_strings(values)})).all()
