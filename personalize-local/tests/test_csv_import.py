"""The import's CSV checks on small files, without the service (every type and limit)."""

from __future__ import annotations

import json

import pytest

from personalize_local.avro_schema import parse_schema
from personalize_local.csv_import import CsvFile, ImportProblem, parse_csv

SCHEMA = parse_schema(
    json.dumps(
        {
            "type": "record",
            "name": "Items",
            "fields": [
                {"name": "ITEM_ID", "type": "string"},
                {"name": "GENRE", "type": ["null", "string"], "categorical": True},
                {"name": "STOCK", "type": ["null", "int"]},
                {"name": "PRICE", "type": "double"},
                {"name": "ON_SALE", "type": ["null", "boolean"]},
            ],
        }
    )
)


def parse(text: str) -> object:
    return parse_csv(CsvFile("s3://b/items.csv", text.encode()), SCHEMA)


def test_values_are_typed_and_blank_nullables_are_null() -> None:
    frame = parse("ITEM_ID,GENRE,STOCK,PRICE,ON_SALE\r\na,x|y,3,1.5,TRUE\nb,,,2e3,\n")
    assert frame["STOCK"].dtype == "Int64"
    assert frame["STOCK"].isna().tolist() == [False, True]
    assert frame["PRICE"].tolist() == [1.5, 2000.0]
    assert frame["ON_SALE"].tolist()[0] is True
    assert frame["GENRE"].isna().tolist() == [False, True]


def test_columns_may_come_in_any_order_and_nullable_ones_may_be_absent() -> None:
    frame = parse('PRICE,ITEM_ID\n1,"a, with comma"\n')
    assert list(frame.columns) == ["ITEM_ID", "GENRE", "STOCK", "PRICE", "ON_SALE"]
    assert frame.loc[0, "ITEM_ID"] == "a, with comma"
    assert frame["STOCK"].isna().all()


@pytest.mark.parametrize(
    ("body", "says"),
    [
        ("a,,3000000000,1,", "Row 2, column STOCK: '3000000000' is not an int (out of range)"),
        ("a,,1.5,1,", "Row 2, column STOCK: '1.5' is not an int"),
        ("a,,,1,yes", "Row 2, column ON_SALE: 'yes' is not a boolean"),
        ("a,,,one,", "Row 2, column PRICE: 'one' is not a double"),
        ("a,,,,", "Row 2, column PRICE is empty, but the field is required"),
        (f"a,{'g' * 1001},,1,", "Row 2, column GENRE: 'ggg"),
        (f"{'i' * 257},,,1,", "is longer than 256 characters"),
    ],
)
def test_bad_values_name_row_column_and_line(body: str, says: str) -> None:
    with pytest.raises(ImportProblem) as problem:
        parse(f"ITEM_ID,GENRE,STOCK,PRICE,ON_SALE\nok,,,1,\n{body}\n")
    message = str(problem.value)
    assert says in message
    assert "(s3://b/items.csv, line 3)" in message


def test_first_bad_row_is_named_and_the_rest_counted() -> None:
    body = "ITEM_ID,GENRE,STOCK,PRICE,ON_SALE\na,,x,1,\nb,,,y,\nc,,z,1,\n"
    with pytest.raises(ImportProblem) as problem:
        parse(body)
    assert str(problem.value).startswith("Row 1, column STOCK: 'x' is not an int")
    assert "3 values are bad in all: STOCK (2), PRICE (1)" in str(problem.value)


def test_header_problems() -> None:
    with pytest.raises(ImportProblem, match="repeats the column PRICE"):
        parse("ITEM_ID,PRICE,PRICE\na,1,1\n")
    with pytest.raises(ImportProblem, match="empty or has no header"):
        parse("")
