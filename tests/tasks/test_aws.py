"""The clients are typed by the maintained boto3 stubs: a misspelt call fails in mypy."""

from __future__ import annotations

from pathlib import Path

import pytest
from mypy import api

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
