"""ensure_event_tracker over HTTP: one tracker per group, found again on rerun."""

from __future__ import annotations

import logging

import boto3
import pytest

from tasks.aws import AwsSettings
from tasks.dataset_groups import ensure_dataset_group
from tasks.event_trackers import ensure_event_tracker


def test_create_rerun_and_name_drift(
    aws: AwsSettings, unique: str, caplog: pytest.LogCaptureFixture
) -> None:
    group = ensure_dataset_group(aws, f"g-{unique}")
    tracker = ensure_event_tracker(aws, group, f"t-{unique}")
    assert tracker["trackingId"]
    assert ensure_event_tracker(aws, group, f"t-{unique}") == tracker
    with caplog.at_level(logging.WARNING):
        assert ensure_event_tracker(aws, group, f"other-{unique}") == tracker
    assert f"name: configured 'other-{unique}', live 't-{unique}'" in caplog.text
    listed = boto3.client("personalize").list_event_trackers(datasetGroupArn=group)
    assert len(listed["eventTrackers"]) == 1
