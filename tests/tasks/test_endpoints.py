"""A flow says where it goes when it starts, and stops at once when that is not ready."""

from __future__ import annotations

import logging
import socket
from pathlib import Path
from typing import Any

import pytest

from tasks.aws import AwsSettings
from tasks.endpoints import SERVICES, EndpointsNotReady, check_endpoints


def test_each_service_says_where_it_goes_and_why(
    aws: AwsSettings, local_service: Any, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO):
        found = check_endpoints(aws)
    endpoint = local_service.env["AWS_ENDPOINT_URL_PERSONALIZE"]
    assert found["personalize"] == endpoint
    assert f"personalize endpoint: {endpoint} (from AWS_ENDPOINT_URL_PERSONALIZE)" in caplog.text
    assert set(found) == set(SERVICES)
    assert "AWS credentials from: env" in caplog.text
    assert "testing" not in caplog.text, "never the credentials themselves"


def test_an_endpoint_that_does_not_answer_stops_the_flow(
    aws: AwsSettings, monkeypatch: pytest.MonkeyPatch
) -> None:
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{closed.getsockname()[1]}"
    monkeypatch.setenv("AWS_ENDPOINT_URL_PERSONALIZE", url)
    with pytest.raises(EndpointsNotReady, match="from AWS_ENDPOINT_URL_PERSONALIZE\\) does not"):
        check_endpoints(aws)


def test_a_new_shell_without_the_stacks_variables_is_told(
    aws: AwsSettings,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    # Issue 16: from a new shell, a flow went to real AWS and died in a NoCredentialsError traceback.
    for name in (
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        *(f"AWS_ENDPOINT_URL_{s.upper().replace('-', '_')}" for s in SERVICES),
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    with (
        caplog.at_level(logging.INFO),
        pytest.raises(EndpointsNotReady, match="No AWS credentials"),
    ):
        check_endpoints(aws)
    assert (
        "personalize endpoint: https://personalize.us-east-1.amazonaws.com (AWS, region us-east-1)"
        in caplog.text
    )
