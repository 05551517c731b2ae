"""Batch inference files: choosing users, the JSON-lines input, the output as a table."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from tasks.batch_files import input_lines, read_output, select_users, summarise, write_text

DAY = 86_400
INTERACTIONS = pd.DataFrame(
    {
        "USER_ID": ["u1", "u2", "u3", "u1"],
        "ITEM_ID": ["a", "b", "c", "d"],
        "TIMESTAMP": [0, 10 * DAY, 20 * DAY, 30 * DAY],
    }
)


def test_all_users_sorted_and_distinct() -> None:
    assert select_users(INTERACTIONS) == ["u1", "u2", "u3"]


def test_active_users_counted_back_from_the_latest_event() -> None:
    assert select_users(INTERACTIONS, active_days=15) == ["u1", "u3"]


def test_given_users_win() -> None:
    assert select_users(INTERACTIONS, users=["u9", "u2", "u9"], active_days=1) == ["u2", "u9"]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"users": []}, "users: the list is empty"),
        ({"active_days": 0}, "active_days must be a positive"),
    ],
)
def test_bad_selection_names_the_parameter(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        select_users(INTERACTIONS, **kwargs)


def test_no_interactions_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="no interactions"):
        select_users(INTERACTIONS.iloc[0:0])


def test_input_is_one_user_per_line() -> None:
    lines = input_lines(["u1", "u2"]).splitlines()
    assert [json.loads(line) for line in lines] == [{"userId": "u1"}, {"userId": "u2"}]


def _record(user: str, items: list[str], scores: list[float] | None = None) -> str:
    output = {
        "recommendedItems": items,
        "scores": scores or [1.0 / (i + 1) for i in range(len(items))],
    }
    return json.dumps({"input": {"userId": user}, "output": output, "error": None})


def test_output_read_as_rows_and_summarised(tmp_path: Path) -> None:
    out = tmp_path / "out"
    write_text(
        str(out / "users.json.out"),
        "\n".join([_record("u1", ["a", "b"]), _record("u2", []), ""]),
    )
    write_text(str(out / "_manifest"), "not an output file")
    table = read_output(str(out))
    assert table.iloc[:2].to_dict("records") == [
        {"user": "u1", "rank": 1, "item": "a", "score": 1.0},
        {"user": "u1", "rank": 2, "item": "b", "score": 0.5},
    ]
    empty = table.iloc[2]
    assert (empty["user"], empty["rank"]) == ("u2", 0)
    assert pd.isna(empty["item"]) and pd.isna(empty["score"])
    summary = summarise(table, requested=["u1", "u2", "u3"], catalogue=["a", "b", "c", "d"])
    assert summary.users == 2
    assert summary.users_requested == 3
    assert summary.empty_results == 2  # u2 got nothing, u3 is missing from the output
    assert summary.items_recommended == 2
    assert summary.catalogue_coverage == 0.5
    assert summary.rows == 2


def test_output_on_s3(local_service: Any, bucket: str) -> None:
    write_text(f"s3://{bucket}/out/in.json.out", _record("u1", ["x"], [0.9]))
    table = read_output(f"s3://{bucket}/out/")
    assert table[["user", "rank", "item"]].to_dict("records") == [
        {"user": "u1", "rank": 1, "item": "x"}
    ]
