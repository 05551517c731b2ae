"""train_solution_version over HTTP: train and wait, attach to a training in flight, failures,
and the stop on the deadline."""

from __future__ import annotations

import boto3
import pytest

from tasks.aws import AwsSettings
from tasks.solution_versions import stop_solution_version, train_solution_version
from tasks.solutions import ensure_solution
from tasks.waiter import ResourceFailedError, WaitTimeoutError, wait_for
from tests.tasks.conftest import Trained
from tests.tasks.helpers import Loaded

POP = "arn:aws:personalize:::recipe/aws-popularity-count"


def test_trained_versions_are_active(trained: Trained) -> None:
    personalize = boto3.client("personalize")
    for arn in trained.versions:
        version = personalize.describe_solution_version(solutionVersionArn=arn)["solutionVersion"]
        assert version["status"] == "ACTIVE" and version["solutionArn"] == trained.solution
    assert trained.versions[0] != trained.versions[1]


def test_a_failed_training_surfaces_its_reason(trained: Trained, faults: object) -> None:
    faults({"fail_next": {"solution-version": "Insufficient memory on the training host"}})  # type: ignore[operator]
    with pytest.raises(ResourceFailedError) as failed:
        train_solution_version(trained.aws, trained.solution)
    assert failed.value.reason == "Insufficient memory on the training host"
    assert failed.value.status == "CREATE FAILED"


def test_a_rerun_attaches_then_the_deadline_stops_the_training(
    slow_aws: AwsSettings, slow_loaded: Loaded, unique: str
) -> None:
    solution = ensure_solution(slow_aws, slow_loaded.group, f"sv-{unique}", POP)
    personalize = boto3.client("personalize")
    started = personalize.create_solution_version(solutionArn=solution)["solutionVersionArn"]

    with pytest.raises(WaitTimeoutError) as timeout:
        train_solution_version(slow_aws, solution, deadline_seconds=0.5)

    assert timeout.value.arn == started and timeout.value.stopped
    versions = personalize.list_solution_versions(solutionArn=solution)["solutionVersions"]
    assert [v["solutionVersionArn"] for v in versions] == [started]
    with pytest.raises(ResourceFailedError) as stopped:
        wait_for(personalize, "solution-version", started)
    assert stopped.value.status == "CREATE STOPPED"


def test_stop_solution_version(slow_aws: AwsSettings, slow_loaded: Loaded, unique: str) -> None:
    solution = ensure_solution(slow_aws, slow_loaded.group, f"st-{unique}", POP)
    personalize = boto3.client("personalize")
    arn = personalize.create_solution_version(solutionArn=solution)["solutionVersionArn"]
    stop_solution_version(slow_aws, arn)
    with pytest.raises(ResourceFailedError, match="CREATE STOPPED"):
        wait_for(personalize, "solution-version", arn)


def test_a_rerun_uses_the_version_trained_since_the_data_was_imported(trained: Trained) -> None:
    # Issue 16, bug 2: the training finished while the flow was down; the rerun must not train
    # a second version on the same data.
    personalize = boto3.client("personalize")
    jobs = personalize.list_dataset_import_jobs(datasetArn=trained.interactions)
    imported = max(j["lastUpdatedDateTime"] for j in jobs["datasetImportJobs"])
    before = personalize.list_solution_versions(solutionArn=trained.solution)["solutionVersions"]

    arn = train_solution_version(trained.aws, trained.solution, data_since=imported)

    after = personalize.list_solution_versions(solutionArn=trained.solution)["solutionVersions"]
    assert arn == trained.versions[-1], "the newest version trained after the import"
    assert len(after) == len(before), "no second training"
