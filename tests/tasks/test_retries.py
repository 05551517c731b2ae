"""Which failures are retried: transient ones only. Unit tests, plus a Stubber edge case."""

from __future__ import annotations

import logging
import re
import socket
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError, EndpointConnectionError, ReadTimeoutError
from botocore.stub import Stubber
from prefect.client.orchestration import get_client

from tasks import dataset_groups
from tasks.aws import AwsSettings
from tasks.errors import PersonalizeError, from_client_error
from tasks.retries import (
    CONNECT_ATTEMPTS,
    RETRIES,
    EndpointUnreachable,
    is_transient,
    personalize_task,
)
from tests.tasks.fakes import client_error
from tests.tasks.helpers import RetryLog


@pytest.mark.parametrize(
    ("code", "message", "status", "transient"),
    [
        ("ThrottlingException", "Rate exceeded", 400, True),
        ("TooManyRequestsException", "Slow down", 429, True),
        ("InternalFailure", "oops", 500, True),
        ("ServiceUnavailable", "down", 503, True),
        ("LimitExceededException", "Too many concurrent solution version jobs", 400, True),
        ("LimitExceededException", "You have 500 dataset groups, the quota", 400, False),
        ("ValidationException", "1 validation error at 'name'", 400, False),
        ("InvalidInputException", "bad schema", 400, False),
        ("ResourceNotFoundException", "no such thing", 404, False),
        ("ResourceInUseException", "busy", 400, False),
    ],
)
def test_transient_or_not(code: str, message: str, status: int, transient: bool) -> None:
    error = client_error(code, message, status)
    assert is_transient(error) is transient
    assert is_transient(from_client_error(error, "Op", "thing")) is transient


def test_network_errors_are_transient_but_not_an_endpoint_that_refuses() -> None:
    assert is_transient(ReadTimeoutError(endpoint_url="http://127.0.0.1:1"))
    assert not is_transient(EndpointConnectionError(endpoint_url="http://127.0.0.1:1"))
    assert not is_transient(ValueError("bug"))


def test_errors_survive_pickling_with_their_code() -> None:
    import pickle

    error = PersonalizeError("CreateSchema", "schema s", "InvalidInputException", "bad", 400)
    copy = pickle.loads(pickle.dumps(error))
    assert (copy.code, copy.resource, str(copy)) == (error.code, error.resource, str(error))


def test_the_policy_backs_off_exponentially_with_jitter() -> None:
    @personalize_task()
    def noop() -> None:
        return None

    assert noop.retries == RETRIES
    delays = noop.retry_delay_seconds
    assert isinstance(delays, list) and delays == sorted(delays) and delays[1] == 2 * delays[0]
    assert noop.retry_jitter_factor is not None and noop.retry_jitter_factor > 0


def test_a_throttle_that_passes_is_retried_to_success(
    prefect_api: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = boto3.client("personalize", region_name="us-east-1")
    stubber = Stubber(client)
    stubber.add_response("list_dataset_groups", {"datasetGroups": []})
    stubber.add_client_error("create_dataset_group", "ThrottlingException", "Rate exceeded", 400)
    stubber.add_response("list_dataset_groups", {"datasetGroups": []})
    arn = "arn:aws:personalize:us-east-1:000000000000:dataset-group/g"
    stubber.add_response("create_dataset_group", {"datasetGroupArn": arn})
    stubber.add_response(
        "describe_dataset_group",
        {"datasetGroup": {"datasetGroupArn": arn, "name": "g", "status": "ACTIVE"}},
    )
    monkeypatch.setattr(dataset_groups, "client", lambda settings, name: client)
    log = RetryLog()
    task = dataset_groups.ensure_dataset_group.with_options(
        retries=2, retry_delay_seconds=0, retry_condition_fn=log
    )
    with stubber:
        assert task(AwsSettings(), "g") == arn
    assert log.decisions == [True]
    stubber.assert_no_pending_responses()


def test_settings_hold_no_secret_and_clients_retry_adaptively(local_service: Any) -> None:
    from tasks.aws import client

    settings = AwsSettings(region="eu-west-1", max_attempts=3)
    personalize = client(settings, "personalize")
    assert personalize.meta.config.retries == {"mode": "adaptive", "total_max_attempts": 3}
    assert personalize.meta.region_name == "eu-west-1"
    assert personalize.meta.endpoint_url == local_service.env["AWS_ENDPOINT_URL_PERSONALIZE"]
    assert "testing" not in settings.model_dump_json()


def test_calls_botocore_retried_say_so(
    aws: AwsSettings, faults: Any, caplog: pytest.LogCaptureFixture
) -> None:
    # Issue 16: a run 4x slower from throttling said nothing.
    from tasks.aws import client

    faults({"throttle": 0.6})
    personalize = client(aws, "personalize")

    def reported() -> list[str]:
        return [r.getMessage() for r in caplog.records if "retries over" in r.getMessage()]

    with caplog.at_level(logging.WARNING, "tasks"):
        # Call until one call succeeds after retries (each does with p = 0.58; a call throttled
        # on all of its attempts, p = 0.6^8, is botocore's to raise and not this test's subject).
        for _ in range(30):
            try:
                personalize.list_dataset_groups()
            except ClientError as error:
                assert error.response["Error"]["Code"] == "ThrottlingException"
            if reported():
                break
    lines = reported()
    assert lines, "no throttled call was reported"
    assert re.fullmatch(
        r"ListDatasetGroups succeeded after \d+ retries over [\d.]+ s \(\d+x ThrottlingException\)",
        lines[0],
    )


def test_a_stopped_service_fails_fast_with_one_clear_line(
    prefect_api: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Issue 16: the failure came after about 6 minutes of retries and 398 log lines.
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{closed.getsockname()[1]}"
    monkeypatch.setenv("AWS_ENDPOINT_URL_PERSONALIZE", url)
    state = dataset_groups.ensure_dataset_group(
        AwsSettings(region="us-east-1"), "g", return_state=True
    )
    error = state.result(raise_on_failure=False)
    assert isinstance(error, EndpointUnreachable)
    assert str(error).startswith(f"Could not connect to {url}/ after {CONNECT_ATTEMPTS} attempts")
    with get_client(sync_client=True) as prefect:
        run = prefect.read_task_run(state.state_details.task_run_id)
    assert run.run_count == 1, "not retried by the task"
