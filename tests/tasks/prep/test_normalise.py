"""Casting and checking rows: ids, unicode, nulls, booleans, multi-values, rejects with reasons."""

from __future__ import annotations

import pyarrow as pa

from tasks.prep.normalise import Normalised, Normaliser
from tasks.prep.reading import SourceBatch
from tasks.prep.schema import DatasetSchema
from tests.tasks.prep.conftest import INTERACTIONS, avro

T = 1_700_000_000


def run(schema: dict, columns: dict, first_row: int = 0):  # type: ignore[no-untyped-def]
    spec = DatasetSchema.from_avro(
        schema, "INTERACTIONS" if "TIMESTAMP" in str(schema) else "ITEMS"
    )
    batch = pa.RecordBatch.from_pydict(columns)
    return Normaliser(spec)(SourceBatch("in.csv", first_row, batch))


def passed(out: Normalised) -> pa.RecordBatch:
    """The rows that passed (the normaliser marks them; it does not filter)."""
    return out.rows if out.good is None else out.rows.filter(pa.array(out.good))


def test_ids_are_trimmed_unicode_kept_and_bad_ids_rejected_with_reasons() -> None:
    out = run(
        INTERACTIONS,
        {
            "USER_ID": [" ünï-1 ", "", None, "u" * 257, "用户"],
            "ITEM_ID": ["a", "b", "c", "d", "é"],
            "TIMESTAMP": [T] * 5,
            "EVENT_TYPE": ["click"] * 5,
        },
        first_row=10,
    )
    assert passed(out).column("USER_ID").to_pylist() == ["ünï-1", "用户"]
    rejects = out.rejects.to_pydict()
    assert rejects["REASON"] == [
        "USER_ID is empty",
        "USER_ID is empty",
        "USER_ID is longer than 256 characters",
    ]
    assert rejects["SOURCE_ROW"] == [12, 13, 14]  # 1-based data rows of the file
    assert rejects["SOURCE_FILE"] == ["in.csv"] * 3
    assert rejects["USER_ID"][0] == ""


def test_float_ids_become_integers_and_timestamp_problems_are_rejects() -> None:
    out = run(
        INTERACTIONS,
        {
            "USER_ID": [1.0, 2.0, 3.0],
            "ITEM_ID": [10, 11, 12],
            "TIMESTAMP": ["2023-11-14T22:13:20Z", "not a time", "1800-01-01T00:00:00Z"],
            "EVENT_TYPE": ["click", "click", None],
        },
    )
    assert passed(out).to_pydict() == {
        "USER_ID": ["1"],
        "ITEM_ID": ["10"],
        "TIMESTAMP": [T],
        "EVENT_TYPE": ["click"],
    }
    assert out.rejects.column("REASON").to_pylist() == [
        "TIMESTAMP is not a timestamp",
        "TIMESTAMP is out of range (1970 to 2100)",
    ]


def test_missing_required_value_is_rejected() -> None:
    schema = avro(("USER_ID", "string"), ("ITEM_ID", "string"), ("TIMESTAMP", "long"))
    out = run(
        schema, {"USER_ID": ["u"], "ITEM_ID": ["i"], "TIMESTAMP": pa.array([None], pa.int64())}
    )
    assert out.rejects.column("REASON").to_pylist() == ["TIMESTAMP is missing"]


def test_metadata_booleans_numbers_lists_and_categorical_limit() -> None:
    schema = avro(
        ("ITEM_ID", "string"),
        ("IN_STOCK", ["null", "boolean"]),
        ("PRICE", ["null", "float"]),
        ("STOCK", ["null", "int"]),
        ("GENRES", ["null", "string"]),
        GENRES={"categorical": True},
    )
    out = run(
        schema,
        {
            "ITEM_ID": ["a", "b", "c", "d", "e"],
            "IN_STOCK": [" TRUE", "no", None, "maybe", "1"],
            "PRICE": ["1.5", "", "2e3", "x", "3"],
            "STOCK": ["7", "8.0", "9.5", "1", "99999999999"],
            "GENRES": [["drama", "comedy"], [], None, ["x" * 1001], ["a"]],
        },
    )
    rows = passed(out).to_pydict()
    assert rows == {
        "ITEM_ID": ["a", "b"],
        "IN_STOCK": [True, False],
        "PRICE": [1.5, None],
        "STOCK": [7, 8],
        "GENRES": ["drama|comedy", None],
    }
    assert out.rejects.column("REASON").to_pylist() == [
        "STOCK is not an integer",
        "IN_STOCK is not a boolean (true/false)",
        "STOCK does not fit a 32-bit int",
    ]
    assert out.rejects.column("GENRES").to_pylist()[0] is None


def test_a_clean_batch_has_no_rejects() -> None:
    out = run(
        INTERACTIONS,
        {"USER_ID": ["u"], "ITEM_ID": ["i"], "TIMESTAMP": [T], "EVENT_TYPE": ["click"]},
    )
    assert out.rejects is None and out.good is None
    assert out.rows.num_rows == 1
