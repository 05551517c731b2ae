"""TIMESTAMP to Unix epoch seconds, from timestamp types, numbers (s/ms/us/ns) or strings.

Numbers in an unknown unit are read in the unit their magnitude shows (a date between 1973
and 5138 in seconds is above 1e8 and below 1e11, and so on for ms, us and ns); the unit found
in the first batch is kept for the whole input, so a later value in another unit lands out of
range and is rejected instead of silently shifted. Strings are epoch numbers or ISO 8601
(with an offset or ``Z``, or naive and taken as UTC).
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from tasks.prep.errors import ColumnError

UNIT_FACTORS = {"s": 1, "ms": 1_000, "us": 1_000_000, "ns": 1_000_000_000}
# Epoch seconds Personalize can use: after 1970-01-01 00:00:00 and before 2100-01-01.
MIN_SECONDS, MAX_SECONDS = 0, 4_102_444_800
_NUMBER = r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$"
_ISO = r"^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?"
_OFFSET = r"(Z|[+-]\d{2}:?\d{2})$"


def detect_unit(values: np.ndarray) -> str:
    """The unit whose reading of these epoch numbers gives dates after 1973 (by the median)."""
    magnitude = float(np.median(np.abs(values)))
    for unit, limit in (("s", 1e11), ("ms", 1e14), ("us", 1e17)):
        if magnitude < limit:
            return unit
    return "ns"


class TimestampConverter:
    """Converts TIMESTAMP columns batch by batch; remembers the unit and how it was found."""

    def __init__(self, unit: str = "auto", column: str = "TIMESTAMP") -> None:
        self.unit: str | None = None if unit == "auto" else unit
        self.configured = unit != "auto"
        self.column = column
        self.readings: set[str] = set()

    @property
    def description(self) -> str:
        """How the timestamps were read, for the data report."""
        return ", ".join(sorted(self.readings)) or "no timestamps"

    def convert(self, array: pa.Array) -> tuple[pa.Array, pa.Array]:
        """(epoch seconds as int64, mask of non-null values that could not be read)."""
        kind = array.type
        if pa.types.is_timestamp(kind):
            self.readings.add(f"timestamp[{kind.unit}] values")
            seconds = pc.divide(array.cast(pa.int64()), UNIT_FACTORS[kind.unit])
            return seconds, _nothing(len(array))
        if pa.types.is_date(kind):
            self.readings.add("date values")
            return self.convert(array.cast(pa.timestamp("s")))
        if pa.types.is_floating(kind):
            floats = array.cast(pa.float64())
            return self._numbers(pc.if_else(pc.is_nan(floats), None, floats))
        if pa.types.is_integer(kind):
            return self._numbers(array)
        if pa.types.is_string(kind) or pa.types.is_large_string(kind):
            return self._strings(array.cast(pa.string()))
        raise ColumnError(
            f"{self.column}: a {kind} column cannot be read as a timestamp; expected epoch "
            "numbers (s, ms, us or ns), ISO 8601 strings, or a timestamp type"
        )

    def _numbers(self, array: pa.Array) -> tuple[pa.Array, pa.Array]:
        if self.unit is None:
            valid = array.drop_null().to_numpy()
            if not len(valid):
                return array.cast(pa.int64()), _nothing(len(array))
            self.unit = detect_unit(valid)
        how = "configured" if self.configured else "detected"
        self.readings.add(f"epoch numbers in {self.unit} ({how})")
        factor = UNIT_FACTORS[self.unit]
        if pa.types.is_floating(array.type):
            seconds = pc.floor(pc.divide(array, float(factor))).cast(pa.int64(), safe=False)
        else:
            seconds = pc.divide(array.cast(pa.int64()), factor) if factor > 1 else array
        return seconds.cast(pa.int64()), _nothing(len(array))

    def _strings(self, array: pa.Array) -> tuple[pa.Array, pa.Array]:
        text = pc.utf8_trim_whitespace(array)
        numeric = pc.match_substring_regex(text, _NUMBER)
        iso = pc.match_substring_regex(text, _ISO)
        seconds = pa.nulls(len(array), pa.int64())
        if pc.any(numeric).as_py():
            numbers = pc.if_else(numeric, text, None).cast(pa.float64())
            converted, _ = self._numbers(numbers)
            seconds = pc.if_else(numeric, converted, seconds)
        if pc.any(iso).as_py():
            self.readings.add("ISO 8601 strings")
            parsed = _parse_iso(pc.if_else(iso, text, None))
            seconds = pc.if_else(iso, parsed, seconds)
        unreadable = pc.and_(pc.is_valid(array), pc.is_null(seconds))
        nothing_read = pc.all(pc.or_(unreadable, pc.is_null(array))).as_py()
        if len(array) and nothing_read and pc.any(unreadable).as_py():
            sample = text.filter(unreadable)[:3].to_pylist()
            raise ColumnError(
                f"{self.column}: no value could be read as a timestamp (e.g. {sample}); "
                "expected epoch numbers (s, ms, us or ns) or ISO 8601 strings"
            )
        return seconds, unreadable


def _nothing(length: int) -> pa.Array:
    """A mask with no row set: every non-null value was read."""
    return pa.array(np.zeros(length, np.bool_))


def _parse_iso(text: pa.Array) -> pa.Array:
    """ISO 8601 strings to epoch seconds; values that do not parse become null."""
    try:
        return _cast_iso(text)
    except pa.ArrowInvalid:
        # A value matched the pattern but is no date (e.g. month 13): parse one by one.
        return pa.array([_cast_one(v) for v in text.to_pylist()], pa.int64())


def _cast_iso(text: pa.Array) -> pa.Array:
    with_offset = pc.match_substring_regex(text, _OFFSET)
    aware = pc.if_else(with_offset, text, None).cast(pa.timestamp("us", tz="UTC"))
    naive = pc.if_else(with_offset, None, text).cast(pa.timestamp("us"))
    micros = pc.coalesce(aware.cast(pa.int64()), naive.cast(pa.int64()))
    return pc.divide(micros, UNIT_FACTORS["us"])


def _cast_one(value: str | None) -> int | None:
    if value is None:
        return None
    try:
        return _cast_iso(pa.array([value])).to_pylist()[0]
    except pa.ArrowInvalid:
        return None


def out_of_range(seconds: pa.Array) -> pa.Array:
    """Mask of epoch seconds outside what Personalize can use (1970 to 2100)."""
    return pc.fill_null(
        pc.or_(pc.less_equal(seconds, MIN_SECONDS), pc.greater_equal(seconds, MAX_SECONDS)), False
    )
