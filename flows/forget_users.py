"""``forget_users``: erase users from the dataset group and keep them out of every later import.

1. The ids come as a list, a file (local or ``s3://``: a CSV with a USER_ID column, or one id
   per line), or both. An empty list, a blank or overlong id, or a dataset group that does not
   exist stops the run before anything is written or started.
2. The ids are written once to each suppression folder of the configuration
   (``s3://<bucket>/suppression/<group>/forgotten-users/<request>.csv``): data preparation drops
   those users' rows from every later export, so the next FULL import does not bring them back.
3. A data deletion job reads that file and removes the users' rows from the group's datasets;
   the flow waits for it (a rerun of the same run attaches to it) and records the request (who,
   when, how many users, job ARN, records deleted) as a table artifact, without the ids.
Models trained before keep what they learnt: retrain so that no version knows the users.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from prefect import flow
from prefect.artifacts import create_table_artifact
from prefect.runtime import flow_run
from pydantic import Field

from flows.configured import DEFAULT_CONFIG
from tasks.config import load_config
from tasks.data_deletion import delete_users, read_user_ids, write_user_ids
from tasks.reporting import artifact_key, run_logger
from tasks.resources import find_arn

MAX_ID_CHARS = 256


def user_ids_from(user_ids: list[str], user_ids_uri: str | None) -> list[str]:
    """The distinct ids given in the list and the file, in order; ValueError naming a bad one."""
    given = [str(user) for user in user_ids]
    if user_ids_uri:
        given += read_user_ids(user_ids_uri)
    ids = list(dict.fromkeys(user.strip() for user in given))
    for position, user in enumerate(ids, start=1):
        if not user:
            raise ValueError(f"user id {position} is blank: remove it, nothing was changed")
        if len(user) > MAX_ID_CHARS:
            raise ValueError(
                f"user id {user[:20]!r}... has {len(user)} characters; Personalize ids have at "
                f"most {MAX_ID_CHARS}. Nothing was changed."
            )
    if not ids:
        raise ValueError(
            "no user ids to forget: give user_ids, or user_ids_uri naming a file of them. "
            "Nothing was changed."
        )
    return ids


@flow(name="forget-users", log_prints=True)
def forget_users(
    config_path: str = Field(DEFAULT_CONFIG, description="The pipeline configuration (YAML)."),
    user_ids: list[str] | None = Field(None, description="Ids of the users to forget."),
    user_ids_uri: str | None = Field(
        None, description="A file of ids (CSV with USER_ID, or one per line), local or s3://."
    ),
    requested_by: str = Field(
        "", description="Who asked (a person, a ticket number); recorded in the artifact."
    ),
) -> dict[str, Any]:
    """Delete the users' data from the dataset group and suppress them in later imports."""
    config = load_config(config_path)
    users = user_ids_from(user_ids or [], user_ids_uri)
    group = config.dataset_group.name
    group_arn = find_arn(config.aws, "dataset-group", group)
    if group_arn is None:
        raise ValueError(
            f"the dataset group {group} does not exist, so it holds no one to forget; check "
            f"config_path ({config_path}). Nothing was changed."
        )
    request = str(flow_run.get_id() or uuid.uuid4())
    requested_at = datetime.now(UTC)
    files = [write_user_ids(f"{folder.rstrip('/')}/{request}.csv", users)
             for folder in config.forgotten_users_uris()]  # fmt: skip
    run_logger().info("%d users added to the suppression list (%s)", len(users), files[0])
    job = delete_users(config.aws, group_arn, files[0], config.role_arn, f"forget-{request}")
    record = {
        "requested_by": requested_by or "(not given)",
        "requested_at": requested_at.isoformat(timespec="seconds"),
        "dataset_group": group,
        "users": len(users),
        "data_deletion_job": job["dataDeletionJobArn"],
        "status": job["status"],
        "records_deleted": job.get("numDeleted"),
        "suppression_files": ", ".join(files),
    }
    create_table_artifact(
        [{"field": key, "value": str(value)} for key, value in record.items()],
        key=artifact_key("forget-users", group),
        description=f"Users forgotten in {group}: retrain so that no model knows them",
    )
    return record
