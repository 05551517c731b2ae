"""Map, cast and check one batch of raw rows against the schema; bad rows go aside with a reason.

Every field is cast to its Avro type: ids and other strings are trimmed (ids must be non-empty
and at most 256 characters; categorical values at most 1,000), lists are joined with ``|``,
booleans are written lowercase, integral floats become integers, TIMESTAMP becomes epoch
seconds (``timestamps.py``). A row that breaks a rule is not dropped: it is returned among the
rejects with its source file, row number, raw values and the first reason it failed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from tasks.prep.reading import SourceBatch
from tasks.prep.schema import DatasetSchema, FieldSpec
from tasks.prep.timestamps import TimestampConverter, out_of_range

TIMESTAMP_FIELDS = frozenset({"TIMESTAMP", "CREATION_TIMESTAMP"})
MAX_ID_CHARS = 256
MAX_CATEGORICAL_CHARS = 1000
REJECT_COLUMNS = ("SOURCE_FILE", "SOURCE_ROW", "REASON")
_INTEGER = r"^[+-]?\d+(\.0*)?$"
_FLOAT = r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$"
_TRUE = ["true", "t", "yes", "y", "1"]
_FALSE = ["false", "f", "no", "n", "0"]
_INT32 = (-(2**31), 2**31 - 1)


@dataclass
class Normalised:
    """Every row cast to the schema, which of them passed, and the rejects (text, with reason).

    Rows are not filtered here (a copy the caller can fold into its own filtering): ``good``
    marks the rows that passed, and is None when all did.
    """

    rows: pa.RecordBatch
    good: np.ndarray | None
    rejects: pa.RecordBatch | None


class _Reasons:
    """The first failing reason per row (null while a row is fine)."""

    def __init__(self, length: int) -> None:
        self.length = length
        self.array: pa.Array | None = None  # made on the first failure: most batches have none

    def flag(self, mask: pa.Array, reason: str) -> None:
        mask = pc.fill_null(mask, False)
        if pc.any(mask).as_py():
            if self.array is None:
                self.array = pa.nulls(self.length, pa.string())
            self.array = pc.if_else(pc.and_(mask, pc.is_null(self.array)), reason, self.array)


class Normaliser:
    """Normalises batches of one source; keeps the timestamp unit found in the first batch."""

    def __init__(
        self, schema: DatasetSchema, timestamp_unit: str = "auto", not_after: int | None = None
    ) -> None:
        self.schema = schema
        self.not_after = not_after
        self.timestamps = {
            f.name: TimestampConverter(timestamp_unit, f.name)
            for f in schema.fields
            if f.name in TIMESTAMP_FIELDS and f.kind == "long"
        }

    @property
    def timestamp_reading(self) -> str:
        """How the timestamp fields were read (units detected or configured), for the report."""
        return "; ".join(f"{n}: {c.description}" for n, c in self.timestamps.items()) or "none"

    def __call__(self, source: SourceBatch) -> Normalised:
        """Cast and check one batch."""
        batch = source.batch
        reasons = _Reasons(batch.num_rows)
        columns = [self._column(batch.column(f.name), f, reasons) for f in self.schema.fields]
        rows = pa.RecordBatch.from_arrays(columns, names=self.schema.names)
        if reasons.array is None:
            return Normalised(rows, None, None)
        good = pc.is_null(reasons.array)
        rejects = _rejects(source, pc.invert(good), reasons.array)
        return Normalised(rows, good.to_numpy(zero_copy_only=False), rejects)

    def _column(self, array: pa.Array, spec: FieldSpec, reasons: _Reasons) -> pa.Array:
        converter = self.timestamps.get(spec.name)
        if converter is not None:
            out, unreadable = converter.convert(array)
            reasons.flag(unreadable, f"{spec.name} is not a timestamp")
            reasons.flag(out_of_range(out), f"{spec.name} is out of range (1970 to 2100)")
            if self.not_after is not None:
                reasons.flag(
                    pc.greater(out, self.not_after),
                    f"{spec.name} is in the future (after {_iso(self.not_after)}, the run's "
                    "clock plus checks.future_tolerance_hours)",
                )
        elif spec.kind == "string":
            out = _text(array, spec, reasons)
        elif spec.kind == "boolean":
            out = _boolean(array, spec, reasons)
        else:
            out = _number(array, spec, reasons)
        if not spec.nullable:
            reasons.flag(pc.is_null(out), f"{spec.name} is missing")
        return out


def _text(array: pa.Array, spec: FieldSpec, reasons: _Reasons) -> pa.Array:
    kind = array.type
    if pa.types.is_list(kind) or pa.types.is_large_list(kind):
        array = pc.binary_join(array.cast(pa.list_(pa.string())), "|")
    elif pa.types.is_floating(kind) and pc.all(pc.equal(pc.floor(array), array)).as_py():
        array = array.cast(pa.int64())  # ids that became floats: 42.0 -> "42"
    if pa.types.is_integer(array.type):
        return array.cast(pa.string())  # never blank, never longer than 20 characters
    text = pc.utf8_trim_whitespace(array.cast(pa.string()))
    size = pc.binary_length(text)  # bytes: cheap, and an upper bound of the characters
    empty = pc.equal(size, 0)
    limit = MAX_ID_CHARS if spec.is_id else MAX_CATEGORICAL_CHARS if spec.categorical else None
    if limit is not None and (pc.max(size).as_py() or 0) > limit:
        too_long = pc.greater(pc.utf8_length(text), limit)
        reasons.flag(too_long, f"{spec.name} is longer than {limit:,} characters")
    if spec.is_id:
        reasons.flag(pc.or_kleene(pc.is_null(text), empty), f"{spec.name} is empty")
        return text
    return pc.if_else(empty, None, text) if pc.any(empty).as_py() else text


def _number(array: pa.Array, spec: FieldSpec, reasons: _Reasons) -> pa.Array:
    integral = spec.kind in ("int", "long")
    kind = array.type
    if pa.types.is_string(kind) or pa.types.is_large_string(kind):
        text = pc.utf8_trim_whitespace(array.cast(pa.string()))
        text = pc.if_else(pc.equal(text, ""), None, text)
        ok = pc.match_substring_regex(text, _INTEGER if integral else _FLOAT)
        reasons.flag(pc.and_(pc.is_valid(text), pc.invert(ok)), _not_a(spec))
        array = pc.if_else(ok, text, None).cast(pa.float64() if integral else spec.arrow_type)
    elif pa.types.is_boolean(kind):
        array = array.cast(pa.int8())
    if integral and pa.types.is_floating(array.type):
        whole = pc.equal(pc.floor(array), array)
        reasons.flag(pc.invert(whole), _not_a(spec))
        array = pc.if_else(whole, array, None).cast(pa.int64(), safe=False)
    if spec.kind == "int" and pa.types.is_integer(array.type):
        outside = pc.or_(pc.less(array, _INT32[0]), pc.greater(array, _INT32[1]))
        reasons.flag(outside, f"{spec.name} does not fit a 32-bit int")
        array = pc.if_else(outside, None, array)
    if not (pa.types.is_integer(array.type) or pa.types.is_floating(array.type)):
        reasons.flag(pc.is_valid(array), _not_a(spec))
        return pa.nulls(len(array), spec.arrow_type)
    return array.cast(spec.arrow_type, safe=False)


def _boolean(array: pa.Array, spec: FieldSpec, reasons: _Reasons) -> pa.Array:
    if pa.types.is_boolean(array.type):
        return array
    if pa.types.is_integer(array.type):
        array = array.cast(pa.string())
    text = pc.utf8_lower(pc.utf8_trim_whitespace(array.cast(pa.string())))
    true, false = pc.is_in(text, pa.array(_TRUE)), pc.is_in(text, pa.array(_FALSE))
    unknown = pc.and_(pc.and_(pc.is_valid(text), pc.invert(true)), pc.invert(false))
    reasons.flag(pc.and_(unknown, pc.not_equal(text, "")), _not_a(spec))
    return pc.if_else(true, True, pc.if_else(false, False, None))


def _not_a(spec: FieldSpec) -> str:
    kind = {"int": "an integer", "long": "an integer", "boolean": "a boolean (true/false)"}
    return f"{spec.name} is not {kind.get(spec.kind, 'a number')}"


def _rejects(source: SourceBatch, bad: pa.Array, reasons: pa.Array) -> pa.RecordBatch:
    """The rejected rows as text: where they came from, their raw values, and why."""
    raw = source.batch.filter(bad)
    positions = np.flatnonzero(bad.to_numpy(zero_copy_only=False)) + source.first_row + 1
    columns = {
        "SOURCE_FILE": pa.array([source.path] * raw.num_rows, pa.string()),
        "SOURCE_ROW": pa.array(positions, pa.int64()),
        "REASON": reasons.filter(bad),
    }
    for name in raw.schema.names:
        columns[name] = _texts(raw.column(name))
    return pa.RecordBatch.from_pydict(columns)


def _texts(array: pa.Array) -> pa.Array:
    """The values as Python's ``str`` writes them (Arrow's cast agrees for text and integers)."""
    kind = array.type
    if pa.types.is_string(kind) or pa.types.is_large_string(kind) or pa.types.is_integer(kind):
        return array.cast(pa.string())
    return pa.array([_text_of(v) for v in array.to_pylist()], pa.string())


def _text_of(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, list):
        return "|".join(str(v) for v in value)
    return str(value)


def _iso(seconds: int) -> str:
    """Epoch seconds as an ISO 8601 UTC time, to the minute."""
    return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%MZ")
