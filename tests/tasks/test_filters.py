"""ensure_filter over HTTP: create once, rerun, a changed expression stops the run."""

from __future__ import annotations

import boto3
import pytest

from tasks.errors import DriftError, PersonalizeError
from tasks.filters import ensure_filter
from tests.tasks.conftest import Trained

PURCHASED = 'EXCLUDE ItemID WHERE Interactions.EVENT_TYPE IN ("purchase")'


def test_create_rerun_and_drift(trained: Trained, unique: str) -> None:
    arn = ensure_filter(trained.aws, trained.group, f"f-{unique}", PURCHASED)
    assert ensure_filter(trained.aws, trained.group, f"f-{unique}", PURCHASED) == arn
    filters = boto3.client("personalize").list_filters(datasetGroupArn=trained.group)["Filters"]
    assert [f["name"] for f in filters].count(f"f-{unique}") == 1
    clicked = PURCHASED.replace("purchase", "click")
    with pytest.raises(DriftError, match="filterExpression"):
        ensure_filter(trained.aws, trained.group, f"f-{unique}", clicked)


def test_a_bad_expression_keeps_the_services_message(trained: Trained, unique: str) -> None:
    with pytest.raises(PersonalizeError) as error:
        ensure_filter(trained.aws, trained.group, f"bad-{unique}", "EXCLUDE ItemID WHERE")
    assert error.value.code == "InvalidInputException"
    assert f"filter bad-{unique}" in str(error.value)
