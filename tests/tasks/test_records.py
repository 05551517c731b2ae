"""Records for PutItems/PutUsers: checked against the schema first, sent 10 a call, retried."""

from __future__ import annotations

import json
from typing import Any

import pandas as pd
import pytest
from botocore.exceptions import ClientError

from tasks.errors import PersonalizeError
from tasks.records import RecordError, _call_with_retries, api_records, batches, camel_case

SCHEMA: dict[str, Any] = {
    "type": "record",
    "name": "Items",
    "fields": [
        {"name": "ITEM_ID", "type": "string"},
        {"name": "CATEGORY_L1", "type": "string", "categorical": True},
        {"name": "PRICE", "type": ["null", "double"]},
        {"name": "STOCK", "type": ["null", "int"]},
        {"name": "ON_SALE", "type": ["null", "boolean"]},
    ],
}


def test_property_keys_are_camel_case_as_the_api_documents() -> None:
    assert camel_case("NUMBER_OF_RATINGS") == "numberOfRatings"
    assert camel_case("CATEGORY_L1") == "categoryL1"
    assert camel_case("PRICE") == "price"


def test_records_become_ids_and_string_properties() -> None:
    frame = pd.DataFrame({"ITEM_ID": ["a", "b"], "CATEGORY_L1": ["shoes", "hats|caps"],
                          "PRICE": [9.5, None], "STOCK": [3, None],
                          "ON_SALE": [True, None]})  # fmt: skip
    records = api_records(frame, SCHEMA, "items")
    assert records[0]["itemId"] == "a"
    assert json.loads(records[0]["properties"]) == {
        "categoryL1": "shoes", "price": "9.5", "stock": "3", "onSale": "true"
    }  # fmt: skip
    assert json.loads(records[1]["properties"]) == {"categoryL1": "hats|caps"}


def test_every_problem_is_named_and_nothing_is_returned() -> None:
    frame = pd.DataFrame({"ITEM_ID": ["a", "", "c"], "CATEGORY_L1": ["x", "y", None],
                          "PRICE": ["cheap", 1.0, 2.0], "STOCK": [1.5, 2, 3]})  # fmt: skip
    with pytest.raises(RecordError) as error:
        api_records(frame, SCHEMA, "items")
    assert error.value.problems == [
        "row 1, PRICE: 'cheap' is not a double",
        "row 1, STOCK: 1.5 is not a whole number (int)",
        "row 2, ITEM_ID: is blank",
        "row 3, CATEGORY_L1: is empty, and the schema requires it",
    ]
    assert "nothing was sent" in str(error.value)


def test_columns_must_be_fields_and_required_fields_present() -> None:
    with pytest.raises(RecordError, match="column 'COLOR' is not a field"):
        api_records(pd.DataFrame({"ITEM_ID": ["a"], "CATEGORY_L1": ["x"], "COLOR": ["red"]}),
                    SCHEMA, "items")  # fmt: skip
    with pytest.raises(RecordError, match="column CATEGORY_L1 is missing"):
        api_records(pd.DataFrame({"ITEM_ID": ["a"]}), SCHEMA, "items")


def test_ten_records_per_call() -> None:
    sizes = [len(chunk) for chunk in batches([{"itemId": str(n)} for n in range(23)])]
    assert sizes == [10, 10, 3]


def _error(code: str, status: int = 400) -> ClientError:
    return ClientError(
        {"Error": {"Code": code, "Message": code}, "ResponseMetadata": {"HTTPStatusCode": status}},
        "PutItems",
    )


def test_transient_failures_are_retried_others_are_not() -> None:
    outcomes: list[Exception | None] = [_error("ThrottlingException"), _error("InternalFailure",
                                                                              500), None]  # fmt: skip
    pauses: list[float] = []

    def send() -> None:
        outcome = outcomes.pop(0)
        if outcome is not None:
            raise outcome

    _call_with_retries(send, attempts=5, resource="put_items", sleep=pauses.append)
    assert outcomes == [] and len(pauses) == 2
    assert 0.25 <= pauses[0] <= 0.5 <= pauses[1] <= 1.0  # backoff doubles; jitter takes <= half

    def invalid() -> None:
        raise _error("InvalidInputException")

    with pytest.raises(PersonalizeError, match="InvalidInputException"):
        _call_with_retries(invalid, attempts=5, resource="put_items", sleep=pauses.append)
    assert len(pauses) == 2
