"""teardown over HTTP: everything in a group deleted children first; a rerun is harmless."""

from __future__ import annotations

from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from tasks.aws import AwsSettings
from tasks.data_deletion import delete_users, write_user_ids
from tasks.dataset_exports import run_dataset_export
from tasks.dataset_groups import ensure_dataset_group
from tasks.datasets import ensure_dataset
from tasks.event_trackers import ensure_event_tracker
from tasks.filters import ensure_filter
from tasks.schemas import ensure_schema
from tasks.solutions import ensure_solution
from tasks.teardown import delete_resource, teardown_dataset_group
from tests.tasks.helpers import INTERACTIONS, loaded_group

POP = "arn:aws:personalize:::recipe/aws-popularity-count"


def test_teardown_deletes_everything_and_reruns_cleanly(aws: AwsSettings, unique: str) -> None:
    group = ensure_dataset_group(aws, f"g-{unique}")
    schema = ensure_schema(aws, f"s-{unique}", INTERACTIONS)
    dataset = ensure_dataset(aws, group, "interactions", f"i-{unique}", schema)
    solution = ensure_solution(aws, group, f"p-{unique}", POP)
    tracker = ensure_event_tracker(aws, group, f"t-{unique}")["eventTrackerArn"]
    expression = 'EXCLUDE ItemID WHERE Interactions.EVENT_TYPE IN ("purchase")'
    filter_arn = ensure_filter(aws, group, f"f-{unique}", expression)

    deleted = teardown_dataset_group(aws, group)

    # DeleteEventTracker leaves the group's event-interactions dataset (its documentation);
    # teardown deletes it with the other datasets.
    events = dataset.replace("/INTERACTIONS", "/EVENT_INTERACTIONS")
    assert deleted[:3] == [solution, filter_arn, tracker]
    assert set(deleted[3:5]) == {dataset, events}
    assert deleted[5:] == [group, schema]
    personalize = boto3.client("personalize")
    with pytest.raises(ClientError, match="ResourceNotFoundException"):
        personalize.describe_dataset_group(datasetGroupArn=group)
    with pytest.raises(ClientError, match="ResourceNotFoundException"):
        personalize.describe_schema(schemaArn=schema)
    assert teardown_dataset_group(aws, group) == []


def test_delete_resource_of_something_already_gone(aws: AwsSettings, unique: str) -> None:
    group = ensure_dataset_group(aws, f"d-{unique}")
    assert delete_resource(aws, "dataset-group", group) is True
    assert delete_resource(aws, "dataset-group", group) is False


def test_teardown_after_an_export_and_a_data_deletion_job(
    aws: AwsSettings, unique: str, bucket: str, s3: Any
) -> None:
    """Neither job has a delete call, and neither blocks its dataset or group (botocore's
    DeleteDataset and DeleteDatasetGroup name what does)."""
    group = ensure_dataset_group(aws, f"x-{unique}")
    schema = ensure_schema(aws, f"s-{unique}", INTERACTIONS)
    dataset = ensure_dataset(aws, group, "interactions", f"i-{unique}", schema)
    role = "arn:aws:iam::000000000000:role/PersonalizeS3"
    run_dataset_export(aws, dataset, f"s3://{bucket}/export/", role, f"e-{unique}")
    users = write_user_ids(f"s3://{bucket}/forget/{unique}.csv", ["u1"])
    delete_users(aws, group, users, role, f"d-{unique}")

    deleted = teardown_dataset_group(aws, group)

    assert deleted == [dataset, group, schema]


def test_teardown_stops_a_training_in_flight_before_deleting_its_solution(
    slow_aws: AwsSettings, unique: str
) -> None:
    """DeleteSolution is refused while a version trains (botocore's model; the local service
    follows it): teardown stops the training (the walk's ``jobs`` of a solution) first."""
    loaded = loaded_group(slow_aws, f"tt-{unique}")
    solution = ensure_solution(slow_aws, loaded.group, f"tt-{unique}", POP)
    personalize = boto3.client("personalize")
    training = personalize.create_solution_version(solutionArn=solution)["solutionVersionArn"]
    assert personalize.describe_solution_version(solutionVersionArn=training)[
        "solutionVersion"]["status"] in ("CREATE PENDING", "CREATE IN_PROGRESS")  # fmt: skip

    deleted = teardown_dataset_group(slow_aws, loaded.group)

    assert deleted[0] == solution
    assert loaded.group in deleted
    with pytest.raises(ClientError, match="ResourceNotFoundException"):
        personalize.describe_solution(solutionArn=solution)
