"""Filters over HTTP: lifecycle, expressions checked at create time, delete rules."""

from __future__ import annotations

from typing import Any

import pytest

from personalize_local.testing.helpers import (
    INTERACTIONS_SCHEMA,
    ITEMS_SCHEMA,
    active_dataset,
    active_group,
    error_of,
    wait_gone,
    wait_status,
)


@pytest.fixture
def group(personalize: Any, unique: str) -> str:
    arn = active_group(personalize, f"g-{unique}")
    active_dataset(personalize, arn, "Items", ITEMS_SCHEMA, f"items-{unique}")
    active_dataset(personalize, arn, "Interactions", INTERACTIONS_SCHEMA, f"int-{unique}")
    return arn


def test_filter_lifecycle(personalize: Any, unique: str, group: str) -> None:
    expression = ('INCLUDE ItemID WHERE Items.CATEGORY IN ($CATEGORY) | '
                  'EXCLUDE ItemID WHERE Interactions.EVENT_TYPE IN ("purchase")')  # fmt: skip
    arn = personalize.create_filter(name=f"f-{unique}", datasetGroupArn=group,
                                    filterExpression=expression)["filterArn"]  # fmt: skip
    assert arn == f"arn:aws:personalize:us-east-1:000000000000:filter/f-{unique}"
    described = wait_status(lambda: personalize.describe_filter(filterArn=arn), "filter", "ACTIVE")
    assert described["filterExpression"] == expression
    assert described["datasetGroupArn"] == group

    second = personalize.create_filter(name=f"f2-{unique}", datasetGroupArn=group,
                                       filterExpression="INCLUDE ItemID WHERE Items.PRICE < 10")["filterArn"]  # fmt: skip
    pages = list(personalize.get_paginator("list_filters").paginate(
        datasetGroupArn=group, PaginationConfig={"PageSize": 1}))  # fmt: skip
    assert [f["filterArn"] for p in pages for f in p["Filters"]] == [second, arn]

    code, _ = error_of(personalize.create_filter, name=f"f-{unique}", datasetGroupArn=group,
                       filterExpression=expression)  # fmt: skip
    assert code == "ResourceAlreadyExistsException"
    personalize.delete_filter(filterArn=arn)
    wait_gone(lambda: personalize.describe_filter(filterArn=arn))


@pytest.mark.parametrize(
    ("expression", "says"),
    [
        ('EXCLUDE ItemID WHERE Items.CATEGORY INN ("x")', "at position 37: unexpected 'INN'"),
        ('EXCLUDE ItemID WHERE Items.COLOUR IN ("x")', "schema has no field COLOUR"),
        ("INCLUDE UserID WHERE Users.AGE > 3", "has no Users dataset"),
        ('EXCLUDE ItemID WHERE Items.CATEGORY IN ("x") AND Interactions.EVENT_TYPE IN ("a")',
         "must use the dataset of the first condition"),
    ],
)  # fmt: skip
def test_bad_filter_is_rejected_with_where(
    personalize: Any, unique: str, group: str, expression: str, says: str
) -> None:
    code, message = error_of(personalize.create_filter, name=f"bad-{unique}",
                             datasetGroupArn=group, filterExpression=expression)  # fmt: skip
    assert code == "InvalidInputException"
    assert says in message
    assert personalize.list_filters(datasetGroupArn=group)["Filters"] == []


def test_filter_needs_an_existing_group(personalize: Any, unique: str) -> None:
    code, _ = error_of(
        personalize.create_filter,
        name=f"f-{unique}",
        datasetGroupArn=f"arn:aws:personalize:us-east-1:000000000000:dataset-group/no-{unique}",
        filterExpression='EXCLUDE ItemID WHERE Items.CATEGORY IN ("x")',
    )
    assert code == "ResourceNotFoundException"
