"""Filter expressions: the grammar, its errors, and evaluation on small frames."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from personalize_facts.filters import FilterData, FilterExpressionError, compile_filter

ITEMS = pd.DataFrame(
    {
        "ITEM_ID": ["a", "b", "c", "d", "e"],
        "GENRE": ["drama", "comedy|drama", "horror", None, "comedy"],
        "PRICE": [5.0, 15.0, 25.0, 35.0, None],
    }
)
USERS = pd.DataFrame({"USER_ID": ["u1", "u2"], "AGE": [25, 15], "TIER": ["gold", "basic"]})
INTERACTIONS = pd.DataFrame(
    {
        "USER_ID": ["u1", "u1", "u1", "u2"],
        "ITEM_ID": ["a", "c", "zzz", "b"],
        "TIMESTAMP": [1, 2, 3, 4],
        "EVENT_TYPE": ["click", "Purchase", "click", "click"],
    }
)
IDS = ["a", "b", "c", "d", "e"]


@pytest.fixture(scope="module")
def data() -> FilterData:
    return FilterData.build(ITEMS, USERS, INTERACTIONS, IDS)


def kept(expression: str, data: FilterData, user: str | None = "u1", **values: str) -> str:
    mask = compile_filter(expression).keep_mask(data, user, values)
    return "".join(np.asarray(IDS)[mask])


@pytest.mark.parametrize(
    ("expression", "user", "values", "want"),
    [
        ('EXCLUDE ItemID WHERE Interactions.EVENT_TYPE IN ("click")', "u1", {}, "bcde"),
        ('EXCLUDE ItemID WHERE Interactions.EVENT_TYPE IN ("purchase")', "u1", {}, "abde"),
        ('INCLUDE ItemID WHERE Interactions.EVENT_TYPE IN ("*")', "u1", {}, "ac"),
        ('EXCLUDE ItemID WHERE Interactions.EVENT_TYPE IN ("*")', None, {}, "abcde"),
        ('INCLUDE ItemID WHERE Items.GENRE IN ("drama")', "u1", {}, "ab"),
        ('INCLUDE ItemID WHERE Items.GENRE NOT IN ("drama")', "u1", {}, "cde"),
        ("INCLUDE ItemID WHERE Items.PRICE >= 15 AND Items.PRICE < 35", "u1", {}, "bc"),
        ('INCLUDE ItemID WHERE Items.PRICE < 10 OR Items.GENRE IN ("horror")', "u1", {}, "ac"),
        ("INCLUDE ItemID WHERE Items.GENRE IN ($G)", "u1", {"G": '"comedy","horror"'}, "bce"),
        ("INCLUDE ItemID WHERE Items.PRICE <= $P", "u1", {"$P": "15"}, "ab"),
        ('EXCLUDE ItemID WHERE Items.GENRE IN ("drama") IF CurrentUser.AGE < 18', "u1", {},
         "abcde"),
        ('EXCLUDE ItemID WHERE Items.GENRE IN ("drama") IF CurrentUser.AGE < 18', "u2", {}, "cde"),
        ('INCLUDE ItemID WHERE Items.GENRE IN ("comedy") | '
         'EXCLUDE ItemID WHERE Interactions.EVENT_TYPE IN ("click")', "u2", {}, "e"),
        ('INCLUDE ItemID WHERE Items.GENRE IN ("horror") | '
         'INCLUDE ItemID WHERE Items.PRICE < 10', "u1", {}, "ac"),
    ],
)  # fmt: skip
def test_keep_mask(
    data: FilterData, expression: str, user: str | None, values: dict[str, str], want: str
) -> None:
    assert kept(expression, data, user, **values) == want


def test_current_item_references(data: FilterData) -> None:
    expression = compile_filter(
        "INCLUDE ItemID WHERE Items.PRICE > CurrentItem.PRICE AND Items.GENRE IN CurrentItem.GENRE"
    )
    mask = expression.keep_mask(data, None, {}, item_id="a")
    assert list(np.asarray(IDS)[mask]) == ["b"]
    with pytest.raises(FilterExpressionError, match=r"CurrentItem\.PRICE"):
        expression.keep_mask(data, None, {})


def test_missing_placeholder_value_is_named(data: FilterData) -> None:
    expression = compile_filter(
        "INCLUDE ItemID WHERE Items.GENRE IN ($GENRE) IF CurrentUser.AGE > $AGE"
    )
    assert expression.placeholders == {"GENRE", "AGE"}
    with pytest.raises(FilterExpressionError, match=r"\$AGE"):
        expression.keep_mask(data, "u1", {"GENRE": '"drama"'})
    with pytest.raises(FilterExpressionError, match="must be a number"):
        expression.keep_mask(data, "u1", {"GENRE": '"drama"', "AGE": "old"})


def test_user_filters_do_not_filter_items(data: FilterData) -> None:
    expression = compile_filter('INCLUDE UserID WHERE Users.TIER IN ("gold")')
    assert expression.target == "UserID"
    with pytest.raises(FilterExpressionError, match="UserID"):
        expression.keep_mask(data, "u1", {})


def test_recent_events_are_capped_per_user_and_type() -> None:
    many = pd.DataFrame({"USER_ID": "u", "ITEM_ID": [f"i{n}" for n in range(150)],
                         "TIMESTAMP": range(150), "EVENT_TYPE": "click"})  # fmt: skip
    ids = [f"i{n}" for n in range(150)]
    data = FilterData.build(None, None, many, ids)
    mask = compile_filter('EXCLUDE ItemID WHERE Interactions.EVENT_TYPE IN ("click")').keep_mask(
        data, "u", {}
    )
    assert mask.sum() == 50
    assert mask[:50].all()  # the oldest 50 fall outside the 100 most recent


@pytest.mark.parametrize(
    ("expression", "says"),
    [
        ('EXCLUDE ItemID WHERE Items.CATEGORY INN ("x")', "position 37: unexpected 'INN'"),
        ('EXCLUDE ItemID WHERE Item.CATEGORY IN ("x")', "position 22: unexpected 'Item'"),
        ('EXCLUDE ItemID WHERE Items.CATEGORY IN ("x"', "position 44: unexpected end"),
        ("EXCLUDE ItemID WHERE Items.A IN ('x')", "position 34"),
        ("EXCLUDE ItemID Items.A > 3", "expected WHERE"),
        ('EXCLUDE ItemID WHERE Interactions.ITEM_ID IN ("a")', "only be filtered by EVENT_TYPE"),
        ("EXCLUDE ItemID WHERE Users.AGE > 3", "can use Items or Interactions, not Users"),
        ('EXCLUDE ItemID WHERE Items.CATEGORY IN ("*")', "only works with EVENT_TYPE"),
        ("EXCLUDE ItemID WHERE Items.A > 3 IF CurrentItem.B > 2", "position 37: an IF"),
        ('EXCLUDE ItemID WHERE Items.A IN ("x") |', "position 40: unexpected end"),
    ],
)
def test_syntax_errors_name_the_position(expression: str, says: str) -> None:
    with pytest.raises(FilterExpressionError) as error:
        compile_filter(expression)
    assert says in str(error.value)
