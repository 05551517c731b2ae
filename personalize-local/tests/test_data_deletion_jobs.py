"""Data deletion jobs over HTTP: statuses, what is deleted, and what is refused.

Sources: botocore's model (CreateDataDeletionJob: a CSV of a single USER_ID column; statuses
PENDING > IN_PROGRESS > COMPLETED or FAILED; numDeleted) and the developer guide, "Deleting
users" (the users' data leaves every dataset of the group; at most 5 PENDING jobs per group;
input files of 100 MB at most).
"""

from __future__ import annotations

from typing import Any

import boto3
import pytest

from personalize_local.process import LocalService
from personalize_local.testing.helpers import (
    INTERACTIONS_SCHEMA,
    USERS_SCHEMA,
    active_dataset,
    active_group,
    delete_users,
    error_of,
    exported_rows,
    interactions_csv,
    put_csv,
    run_export,
    run_import,
    stored_rows,
)
from personalize_local.testing.training_setup import (
    active_campaign,
    active_solution,
    campaign_update,
    loaded_group,
    recommended,
    train,
)


def test_deletion_removes_users_everywhere(
    personalize: Any, s3: Any, bucket: str, unique: str, local_service: LocalService
) -> None:
    group = active_group(personalize, f"g-{unique}")
    interactions = active_dataset(personalize, group, "Interactions", INTERACTIONS_SCHEMA,
                                  f"i-{unique}")  # fmt: skip
    users = active_dataset(personalize, group, "Users", USERS_SCHEMA, f"u-{unique}")
    uri = put_csv(s3, bucket, "i.csv", interactions_csv(n_users=30, per_user=40))
    assert run_import(personalize, interactions, uri, f"imp-{unique}")["status"] == "ACTIVE"
    boto3.client("personalize-events").put_users(datasetArn=users, users=[
        {"userId": f"u{n}", "properties": f'{{"age": {20 + n}}}'} for n in range(3)])  # fmt: skip
    tracker = personalize.create_event_tracker(name=f"t-{unique}", datasetGroupArn=group)
    boto3.client("personalize-events").put_events(
        trackingId=tracker["trackingId"], userId="u1", sessionId="s",
        eventList=[{"eventType": "click", "itemId": "i1", "sentAt": 1_800_000_000}],
    )  # fmt: skip

    path = f"s3://{bucket}/ev/"
    assert run_export(personalize, interactions, f"before-{unique}", path)["status"] == "ACTIVE"
    assert exported_rows(s3, bucket, f"ev/before-{unique}/")["USER_ID"].tolist() == ["u1"]

    listing = put_csv(s3, bucket, "forget/users.csv", "USER_ID\nu1\nu2\nnobody\n")
    job = delete_users(personalize, group, f"del-{unique}", listing)
    # botocore's DataDeletionJob.numDeleted: "The number of records deleted by a COMPLETED
    # job": u1's and u2's 40 interactions each, their two users' rows and u1's tracked event.
    assert (job["status"], job["numDeleted"]) == ("COMPLETED", 2 * 40 + 2 + 1), job
    assert job["datasetGroupArn"] == group and job["dataSource"]["dataLocation"] == listing
    left = stored_rows(local_service.data_dir, interactions)
    assert len(left) == 28 * 40 and not {"u1", "u2"} & set(left["USER_ID"])
    assert stored_rows(local_service.data_dir, users)["USER_ID"].tolist() == ["u0"]
    assert run_export(personalize, interactions, f"after-{unique}", path)["status"] == "ACTIVE"
    assert exported_rows(s3, bucket, f"ev/after-{unique}/").empty  # the tracked event went too

    listed = personalize.list_data_deletion_jobs(datasetGroupArn=group)["dataDeletionJobs"]
    assert [(j["jobName"], j["status"]) for j in listed] == [(f"del-{unique}", "COMPLETED")]


def test_deletion_failures_and_refusals(
    personalize: Any, s3: Any, bucket: str, unique: str
) -> None:
    group = active_group(personalize, f"g-{unique}")
    wrong = put_csv(s3, bucket, "wrong.csv", "USER_ID,ITEM_ID\nu1,i1\n")
    job = delete_users(personalize, group, f"wrong-{unique}", wrong)
    assert job["status"] == "FAILED" and "single USER_ID column" in job["failureReason"]
    job = delete_users(personalize, group, f"missing-{unique}", f"s3://{bucket}/none.csv")
    assert job["status"] == "FAILED" and "No CSV file" in job["failureReason"]

    missing = group + "-nope"
    code, _ = error_of(delete_users, personalize, missing, f"x-{unique}", wrong)
    assert code == "ResourceNotFoundException"
    code, _ = error_of(delete_users, personalize, group, f"wrong-{unique}", wrong)
    assert code == "ResourceAlreadyExistsException"


@pytest.mark.slow
def test_versions_trained_afterwards_do_not_know_deleted_users(
    personalize: Any, s3: Any, bucket: str, unique: str
) -> None:
    group = loaded_group(personalize, s3, bucket, f"forget-{unique}")
    solution = active_solution(personalize, group, f"s-{unique}", "aws-user-personalization-v2")
    campaign = active_campaign(personalize, f"c-{unique}",
                               train(personalize, solution)["solutionVersionArn"])  # fmt: skip
    runtime = boto3.client("personalize-runtime")
    assert recommended(runtime, campaign, "u7") != recommended(runtime, campaign, "nobody")

    listing = put_csv(s3, bucket, "forget.csv", "USER_ID\nu7\n")
    assert delete_users(personalize, group, f"d-{unique}", listing)["status"] == "COMPLETED"
    again = train(personalize, solution)["solutionVersionArn"]
    personalize.update_campaign(campaignArn=campaign, solutionVersionArn=again)
    assert campaign_update(personalize, campaign)["status"] == "ACTIVE"
    assert recommended(runtime, campaign, "u7") == recommended(runtime, campaign, "nobody")
