"""ensure_dataset_group over HTTP: create and wait, rerun, drift, retry on throttling only."""

from __future__ import annotations

from typing import Any

import pytest

from tasks.aws import AwsSettings
from tasks.dataset_groups import ensure_dataset_group
from tasks.errors import DriftError, PersonalizeError
from tests.tasks.helpers import RetryLog


def test_create_waits_active_and_rerun_is_no_duplicate(
    aws: AwsSettings, personalize: Any, unique: str
) -> None:
    arn = ensure_dataset_group(aws, f"g-{unique}")
    assert (
        personalize.describe_dataset_group(datasetGroupArn=arn)["datasetGroup"]["status"]
        == "ACTIVE"
    )
    assert ensure_dataset_group(aws, f"g-{unique}") == arn
    groups = personalize.list_dataset_groups()["datasetGroups"]
    assert [g["name"] for g in groups].count(f"g-{unique}") == 1


def test_a_different_domain_is_drift(aws: AwsSettings, unique: str) -> None:
    ensure_dataset_group(aws, f"dom-{unique}")
    with pytest.raises(DriftError, match="domain: configured 'ECOMMERCE', live None"):
        ensure_dataset_group(aws, f"dom-{unique}", domain="ECOMMERCE")


def test_throttling_is_retried_but_not_forever(aws: AwsSettings, unique: str, faults: Any) -> None:
    faults({"throttle": 1.0})
    log = RetryLog()
    once = AwsSettings(region="us-east-1", max_attempts=1)  # no botocore retries: Prefect's
    task = ensure_dataset_group.with_options(
        retries=2, retry_delay_seconds=0, retry_condition_fn=log
    )
    with pytest.raises(PersonalizeError) as error:
        task(once, f"t-{unique}")
    assert error.value.code == "ThrottlingException"
    assert log.decisions == [True, True]  # both retries taken, then exhausted
