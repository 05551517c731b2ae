"""The local service behaves as the real one: one test per row of issue 10's table.

Each test names its source: ``docs/aws-facts.md`` (saved outputs of notebooks that called the
real service) first, then botocore's model documentation. The fast tests use the shared
service; the ones that must catch a status in flight use a private one at latency 0.002.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from personalize_local.process import LocalService
from personalize_local.testing.helpers import (
    INTERACTIONS_SCHEMA,
    active_dataset,
    active_group,
    error_of,
    grant_bucket,
    wait_status,
)
from personalize_local.testing.training_setup import (
    active_solution,
    loaded_group,
    recommended,
    settled,
    train,
)

ACCOUNT = "arn:aws:personalize:us-east-1:000000000000"


def test_client_errors_answer_http_400_in_the_real_wording(personalize: Any, unique: str) -> None:
    # docs/aws-facts.md#errors: DescribeSolution -> ResourceNotFoundException "The given solution does
    # not exist: <ARN>"; AWS JSON 1.1 answers client errors with HTTP 400 (not 404).
    arn = f"{ACCOUNT}:solution/none-{unique}"
    with pytest.raises(ClientError) as caught:
        personalize.describe_solution(solutionArn=arn)
    response = caught.value.response
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert response["Error"]["Code"] == "ResourceNotFoundException"
    assert response["Error"]["Message"] == f"The given solution does not exist: {arn}"
    group = f"{ACCOUNT}:dataset-group/none-{unique}"
    code, message = error_of(personalize.delete_dataset_group, datasetGroupArn=group)
    assert (code, message) == (
        "ResourceNotFoundException",
        f"The given dataset group does not exist: {group}",
    )


def test_lists_raise_only_their_documented_errors(personalize: Any, unique: str) -> None:
    # botocore's model: ListSolutions, ListCampaigns and ListBatchInferenceJobs list only
    # InvalidInputException and InvalidNextTokenException; ListSolutionVersions also
    # ResourceNotFoundException.
    assert (
        personalize.list_solutions(datasetGroupArn=f"{ACCOUNT}:dataset-group/n-{unique}")[
            "solutions"
        ]
        == []
    )
    assert (
        personalize.list_campaigns(solutionArn=f"{ACCOUNT}:solution/n-{unique}")["campaigns"] == []
    )
    assert (
        personalize.list_batch_inference_jobs(
            solutionVersionArn=f"{ACCOUNT}:solution/n-{unique}/0"
        )["batchInferenceJobs"]
        == []
    )
    code, _ = error_of(
        personalize.list_solution_versions, solutionArn=f"{ACCOUNT}:solution/n-{unique}"
    )
    assert code == "ResourceNotFoundException"


def test_filters_are_limited_to_ten_active_per_group(personalize: Any, unique: str) -> None:
    # docs/aws-facts.md#errors: CreateFilter -> LimitExceededException "More than 10 resources in ACTIVE
    # state. Please delete some and try again."
    group = active_group(personalize, f"g-{unique}")
    active_dataset(personalize, group, "Interactions", INTERACTIONS_SCHEMA, f"i-{unique}")
    expression = 'EXCLUDE ItemID WHERE Interactions.EVENT_TYPE IN ("purchase")'
    for n in range(10):
        arn = personalize.create_filter(
            name=f"f{n}-{unique}", datasetGroupArn=group, filterExpression=expression
        )["filterArn"]
        wait_status(lambda arn=arn: personalize.describe_filter(filterArn=arn), "filter", "ACTIVE")
    code, message = error_of(personalize.create_filter, name=f"f10-{unique}",
                             datasetGroupArn=group, filterExpression=expression)  # fmt: skip
    assert code == "LimitExceededException"
    assert message == "More than 10 resources in ACTIVE state. Please delete some and try again."


def test_update_solution_runs_as_a_solution_update(personalize: Any, unique: str) -> None:
    # botocore's UpdateSolution / SolutionUpdateSummary.status: CREATE PENDING > CREATE
    # IN_PROGRESS > ACTIVE -or- CREATE FAILED, in latestSolutionUpdate.
    group = active_group(personalize, f"g-{unique}")
    solution = active_solution(personalize, group, f"s-{unique}", "aws-user-personalization-v2")
    personalize.update_solution(
        solutionArn=solution,
        performAutoTraining=True,
        solutionUpdateConfig={"autoTrainingConfig": {"schedulingExpression": "rate(7 days)"}},
    )
    seen = _statuses(
        lambda: personalize.describe_solution(solutionArn=solution)["solution"][
            "latestSolutionUpdate"
        ]
    )
    assert seen[-1] == "ACTIVE" and set(seen) <= {"CREATE PENDING", "CREATE IN_PROGRESS", "ACTIVE"}
    described = personalize.describe_solution(solutionArn=solution)["solution"]
    assert described["performAutoTraining"] is True


def _statuses(describe: Callable[[], dict[str, Any]], timeout: float = 60.0) -> list[str]:
    """Every status a resource showed while polled, until it ended (ACTIVE, FAILED, STOPPED)."""
    seen: list[str] = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        status = describe()["status"]
        if not seen or seen[-1] != status:
            seen.append(status)
        if not status.endswith(("PENDING", "IN_PROGRESS", "IN PROGRESS", "STOPPING")):
            return seen
        time.sleep(0.01)
    raise AssertionError(f"still in flight after {timeout} s: {seen}")


# --- A private service at latency 0.002 (a training takes 7 s), to catch statuses in flight.


@pytest.fixture(scope="module")
def paced(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """Clients of a paced private service, with one loaded group and one trained version."""
    with LocalService(Path(tmp_path_factory.mktemp("paced")), latency="0.002") as service:
        clients = {
            name: boto3.client(name, endpoint_url=service.env[variable])
            for name, variable in (
                ("personalize", "AWS_ENDPOINT_URL_PERSONALIZE"),
                ("personalize-runtime", "AWS_ENDPOINT_URL_PERSONALIZE_RUNTIME"),
                ("s3", "AWS_ENDPOINT_URL_S3"),
            )
        }
        personalize, s3 = clients["personalize"], clients["s3"]
        s3.create_bucket(Bucket="paced")
        grant_bucket(s3, "paced")
        group = loaded_group(personalize, s3, "paced", "paced")
        solution = active_solution(personalize, group, "paced", "aws-user-personalization-v2")
        version = train(personalize, solution)
        assert version["status"] == "ACTIVE", version
        yield {**clients, "solution": solution, "version": version["solutionVersionArn"]}


@pytest.mark.slow
def test_stopping_a_pending_training_stops_it_at_once(paced: dict[str, Any]) -> None:
    # botocore's StopSolutionVersionCreation: CREATE_PENDING > CREATE_STOPPED, or
    # CREATE_IN_PROGRESS > CREATE_STOPPING > CREATE_STOPPED.
    personalize = paced["personalize"]
    arn = personalize.create_solution_version(solutionArn=paced["solution"])["solutionVersionArn"]
    personalize.stop_solution_version_creation(solutionVersionArn=arn)
    version = personalize.describe_solution_version(solutionVersionArn=arn)["solutionVersion"]
    assert version["status"] == "CREATE STOPPED"
    time.sleep(0.5)  # the job, had it started, would have moved it on by now
    again = personalize.describe_solution_version(solutionVersionArn=arn)["solutionVersion"]
    assert again["status"] == "CREATE STOPPED"


@pytest.mark.slow
def test_campaign_update_statuses_and_serving_before_active(paced: dict[str, Any]) -> None:
    # docs/aws-facts.md#statuses and botocore's CampaignUpdateSummary.status: CREATE PENDING > CREATE
    # IN_PROGRESS > ACTIVE (never UPDATE ...); GetRecommendations on a campaign not yet ACTIVE:
    # InvalidInputException "<ARN> does not exist or is not active yet."
    personalize, runtime = paced["personalize"], paced["personalize-runtime"]
    arn = personalize.create_campaign(name="paced-update", solutionVersionArn=paced["version"])[
        "campaignArn"
    ]
    code, message = error_of(runtime.get_recommendations, campaignArn=arn, userId="u1")
    assert (code, message) == (
        "InvalidInputException",
        f"{arn} does not exist or is not active yet.",
    )
    wait_status(lambda: personalize.describe_campaign(campaignArn=arn), "campaign", "ACTIVE")
    personalize.update_campaign(campaignArn=arn, minProvisionedTPS=2)
    seen = _statuses(
        lambda: personalize.describe_campaign(campaignArn=arn)["campaign"]["latestCampaignUpdate"]
    )
    assert seen[0] in ("CREATE PENDING", "CREATE IN_PROGRESS"), seen
    assert seen[-1] == "ACTIVE" and set(seen) <= {"CREATE PENDING", "CREATE IN_PROGRESS", "ACTIVE"}
    assert personalize.describe_campaign(campaignArn=arn)["campaign"]["minProvisionedTPS"] == 2


@pytest.mark.slow
def test_a_campaign_can_follow_the_latest_solution_version(paced: dict[str, Any]) -> None:
    # botocore's CreateCampaignRequest.solutionVersionArn: "SolutionArn/$LATEST", required with
    # CampaignConfig.syncWithLatestSolutionVersion, which "automatically updates [the campaign]
    # to use the latest solution version".
    personalize, runtime = paced["personalize"], paced["personalize-runtime"]
    latest = f"{paced['solution']}/$LATEST"
    code, _ = error_of(personalize.create_campaign, name="paced-sync", solutionVersionArn=paced["version"],
                       campaignConfig={"syncWithLatestSolutionVersion": True})  # fmt: skip
    assert code == "InvalidInputException"
    arn = personalize.create_campaign(
        name="paced-sync",
        solutionVersionArn=latest,
        campaignConfig={"syncWithLatestSolutionVersion": True},
    )["campaignArn"]
    campaign = wait_status(
        lambda: personalize.describe_campaign(campaignArn=arn), "campaign", "ACTIVE"
    )
    assert campaign["campaignConfig"]["syncWithLatestSolutionVersion"] is True
    newer = train(personalize, paced["solution"])["solutionVersionArn"]
    settled(
        lambda: personalize.describe_campaign(campaignArn=arn)["campaign"]["latestCampaignUpdate"]
    )
    campaign = personalize.describe_campaign(campaignArn=arn)["campaign"]
    assert campaign["solutionVersionArn"] == newer
    assert recommended(runtime, arn, "u1")


@pytest.mark.slow
def test_batch_job_shows_the_real_services_statuses(paced: dict[str, Any]) -> None:
    # docs/aws-facts.md#statuses: CREATE PENDING, CREATE IN_PROGRESS, ACTIVE in 18 repositories (the model's
    # documentation says PENDING / IN PROGRESS; the tasks accept both).
    personalize, s3 = paced["personalize"], paced["s3"]
    s3.put_object(Bucket="paced", Key="batch/in.json", Body=json.dumps({"userId": "u1"}).encode())
    arn = personalize.create_batch_inference_job(
        jobName="paced-batch",
        solutionVersionArn=paced["version"],
        jobInput={"s3DataSource": {"path": "s3://paced/batch/in.json"}},
        jobOutput={"s3DataDestination": {"path": "s3://paced/batch/out/"}},
        roleArn="arn:aws:iam::000000000000:role/PersonalizeS3",
    )["batchInferenceJobArn"]
    seen = _statuses(
        lambda: personalize.describe_batch_inference_job(batchInferenceJobArn=arn)[
            "batchInferenceJob"
        ]
    )
    assert seen == ["CREATE PENDING", "CREATE IN_PROGRESS", "ACTIVE"], seen
