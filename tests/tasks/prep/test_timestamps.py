"""TIMESTAMP normalisation: every unit, types and strings, and what cannot be read."""

from __future__ import annotations

import datetime as dt

import pyarrow as pa
import pytest

from tasks.prep.errors import ColumnError
from tasks.prep.timestamps import TimestampConverter, detect_unit, out_of_range

SECONDS = 1_700_000_000


@pytest.mark.parametrize(
    ("unit", "factor"), [("s", 1), ("ms", 1_000), ("us", 1_000_000), ("ns", 1_000_000_000)]
)
def test_each_unit_is_detected_and_converted(unit: str, factor: int) -> None:
    converter = TimestampConverter()
    seconds, bad = converter.convert(pa.array([SECONDS * factor, (SECONDS + 5) * factor]))
    assert seconds.to_pylist() == [SECONDS, SECONDS + 5]
    assert not any(bad.to_pylist())
    assert converter.unit == unit
    assert f"in {unit} (detected)" in converter.description


def test_configured_unit_wins_and_is_stated() -> None:
    converter = TimestampConverter("ms")
    seconds, _ = converter.convert(pa.array([1_700_000_000]))
    assert seconds.to_pylist() == [1_700_000]
    assert "ms (configured)" in converter.description


def test_unit_found_first_is_kept_so_a_mixed_unit_lands_out_of_range() -> None:
    converter = TimestampConverter()
    converter.convert(pa.array([SECONDS * 1000]))
    seconds, _ = converter.convert(pa.array([SECONDS]))  # seconds, read as ms: 1970
    assert seconds.to_pylist() == [SECONDS // 1000]
    assert out_of_range(pa.array([SECONDS // 1000 - 2_000_000, 5_000_000_000])).to_pylist() == [
        True,
        True,
    ]


def test_float_numbers_and_nan() -> None:
    seconds, bad = TimestampConverter().convert(pa.array([SECONDS + 0.7, float("nan"), None]))
    assert seconds.to_pylist() == [SECONDS, None, None]
    assert bad.to_pylist() == [False, False, False]  # null, not unreadable: "missing" later


def test_timestamp_and_date_types() -> None:
    when = dt.datetime(2023, 11, 14, 22, 13, 20)
    ms = pa.array([when], pa.timestamp("ms", tz="UTC"))
    converter = TimestampConverter()
    assert converter.convert(ms)[0].to_pylist() == [SECONDS]
    assert converter.convert(pa.array([dt.date(2023, 11, 14)]))[0].to_pylist() == [
        SECONDS - (22 * 3600 + 13 * 60 + 20)
    ]
    assert "timestamp[ms] values" in converter.description


def test_iso_strings_with_offset_z_and_naive_and_numeric_strings() -> None:
    values = pa.array(
        [
            "2023-11-14T22:13:20Z",
            "2023-11-15T00:13:20+02:00",
            "2023-11-14 22:13:20",
            " 1700000000 ",
            "2023-13-45T00:00:00",
            "yesterday",
            None,
        ]
    )
    seconds, bad = TimestampConverter().convert(values)
    assert seconds.to_pylist()[:4] == [SECONDS] * 4
    assert bad.to_pylist() == [False, False, False, False, True, True, False]


def test_a_column_with_no_readable_timestamp_is_an_error_naming_it() -> None:
    with pytest.raises(ColumnError, match=r"TIMESTAMP: no value could be read.*'soon'"):
        TimestampConverter().convert(pa.array(["soon", "later"]))


def test_an_unsupported_type_is_an_error() -> None:
    with pytest.raises(ColumnError, match="cannot be read as a timestamp"):
        TimestampConverter().convert(pa.array([True]))


def test_detect_unit_by_magnitude() -> None:
    import numpy as np

    assert detect_unit(np.array([1.7e9])) == "s"
    assert detect_unit(np.array([1.7e12])) == "ms"
    assert detect_unit(np.array([1.7e15])) == "us"
    assert detect_unit(np.array([1.7e18])) == "ns"
