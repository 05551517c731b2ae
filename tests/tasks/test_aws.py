"""The clients: typed by the maintained boto3 stubs (a misspelt call fails in mypy), built on
one parse of botocore's data per process."""

from __future__ import annotations

from pathlib import Path

import pytest
from mypy import api

from tasks.aws import AwsSettings, client, shared_loader

MISSPELT = """
from tasks.aws import AwsSettings, client

personalize = client(AwsSettings(), "personalize")
personalize.create_solution(name="s", datasetGroupArn="arn", recipeArn="arn")
personalize.create_solutoin(name="s", datasetGroupArn="arn")
personalize.create_solution(nam="s", datasetGroupArn="arn")
client(AwsSettings(), "personalize-runtime").get_recommendations(campaignArn="a", userID="u")
client(AwsSettings(), "personalize-events").put_events(trackingId="t", sessionId="s", eventList=[])
"""


@pytest.mark.slow
def test_a_misspelt_operation_or_parameter_fails_type_checking(tmp_path: Path) -> None:
    snippet = tmp_path / "snippet.py"
    snippet.write_text(MISSPELT)
    report, _, status = api.run(
        ["--follow-imports=silent", "--cache-dir", str(tmp_path / "cache"), str(snippet)]
    )
    errors = [line.split(": error: ")[1] for line in report.splitlines() if ": error: " in line]
    assert status == 1
    assert errors == [
        '"PersonalizeClient" has no attribute "create_solutoin"; maybe "create_solution"?  '
        "[attr-defined]",
        'Unexpected keyword argument "nam" for "create_solution" of "PersonalizeClient"; '
        'did you mean "name"?  [call-arg]',
        'Unexpected keyword argument "userID" for "get_recommendations" of '
        '"PersonalizeRuntimeClient"; did you mean "userId"?  [call-arg]',
    ]


def test_clients_share_one_parse_of_botocores_data_and_keep_their_own_settings(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    shared_loader.cache_clear()
    monkeypatch.setenv("AWS_ENDPOINT_URL_PERSONALIZE", "http://127.0.0.1:9")
    first = client(AwsSettings(region="us-east-1"), "personalize")
    paths = list(shared_loader(None).search_paths)
    monkeypatch.setenv("AWS_ENDPOINT_URL_PERSONALIZE", "http://127.0.0.1:10")
    second = client(AwsSettings(region="eu-west-1"), "personalize")
    assert shared_loader.cache_info().currsize == 1
    assert shared_loader(None).search_paths == paths  # boto3 appends to a session's loader
    assert (first.meta.region_name, first.meta.endpoint_url) == ("us-east-1", "http://127.0.0.1:9")
    assert (second.meta.region_name, second.meta.endpoint_url) == (
        "eu-west-1",
        "http://127.0.0.1:10",
    )
