"""CreateDataset, DescribeDataset, ListDatasets, DeleteDataset.

A dataset's ARN is ``dataset/<group name>/<DATASET_TYPE>``, so a group holds one dataset per
type. Its schema is checked against the type's rules here (a schema has no type before). An
Action interactions dataset gets the ``trackingId`` that PutActionInteractions receives.
"""

from __future__ import annotations

import uuid
from typing import Any

from personalize_local.avro_schema import RULES, check_dataset_type, parse_schema
from personalize_local.dataset_rows import delete_rows
from personalize_local.domain_recipes import check_domain_dataset
from personalize_local.errors import InvalidInputException, ResourceInUseException
from personalize_local.jobs import Job, Work
from personalize_local.kinds import (
    DATASET,
    DATASET_GROUP,
    DATASET_IMPORT_JOB,
    EVENT_TRACKER,
    RECOMMENDER,
    SCHEMA,
    SOLUTION,
    SOLUTION_VERSION,
)
from personalize_local.ops import Handler
from personalize_local.records import Dataset
from personalize_local.resources import (
    create_tags,
    delete_when_unused,
    listed,
    of_kind,
    require,
    require_active,
    start_create,
)
from personalize_local.service import Call, Service

KIND = DATASET
CREATABLE_TYPES = sorted(set(RULES) - {"EVENT_INTERACTIONS"})


def dataset_arn(group_arn: str, dataset_type: str) -> str:
    """The ARN of a group's dataset of one type (the group's name and the type, upper case)."""
    head, _, group_name = group_arn.partition(":dataset-group/")
    return f"{head}:dataset/{group_name}/{dataset_type}"


def store_dataset(
    service: Service,
    group_arn: str,
    dataset_type: str,
    name: str,
    schema_arn: str | None,
    tags: dict[str, str],
) -> str:
    """Store a new dataset of a group in CREATE PENDING and start its lifecycle."""
    arn = dataset_arn(group_arn, dataset_type)
    body: Dataset = {
        "name": name,
        "datasetArn": arn,
        "datasetGroupArn": group_arn,
        "datasetType": dataset_type,
        "status": "CREATE PENDING",
    }
    if schema_arn:
        body["schemaArn"] = schema_arn
    if dataset_type == "ACTION_INTERACTIONS":
        body["trackingId"] = str(uuid.uuid4())
    start_create(service, KIND, arn, body, tags, parent=group_arn)
    return arn


def create_dataset(service: Service, call: Call) -> dict[str, Any]:
    p = call.params
    dataset_type = p["datasetType"].upper()
    if dataset_type not in CREATABLE_TYPES:
        raise InvalidInputException(
            f"datasetType {p['datasetType']!r} is not valid; use one of "
            f"{', '.join(t.title() for t in CREATABLE_TYPES)}."
        )
    tags = create_tags(p)
    group = require_active(service, DATASET_GROUP, p["datasetGroupArn"])
    schema = require(service, SCHEMA, p["schemaArn"])
    parsed = parse_schema(schema["schema"])
    check_dataset_type(parsed, dataset_type)
    check_domain_dataset(group.get("domain"), schema.get("domain"), parsed, dataset_type)
    arn = store_dataset(
        service, p["datasetGroupArn"], dataset_type, p["name"], p["schemaArn"], tags
    )
    return {"datasetArn": arn}


def delete_dataset(service: Service, call: Call) -> dict[str, Any]:
    """Refused while the group's event tracker feeds it, or while one of its imports, or a
    training or recommender of its group, is in flight; its export jobs go with it."""
    arn = call.params["datasetArn"]
    group = require(service, KIND, arn)["datasetGroupArn"]
    for tracker in listed(service, EVENT_TRACKER, group):
        if arn in (
            tracker.get("interactionsDatasetArn"),
            tracker.get("eventInteractionsDatasetArn"),
        ):
            raise ResourceInUseException(
                f"Cannot delete dataset {arn}: the event tracker {tracker['eventTrackerArn']} "
                "records into it. Delete the event tracker first."
            )
    trainings = tuple(
        version
        for solution in listed(service, SOLUTION, group)
        for version in of_kind(service, SOLUTION_VERSION, solution["solutionArn"])
    )
    busy = (
        of_kind(service, DATASET_IMPORT_JOB, arn) + trainings + of_kind(service, RECOMMENDER, group)
    )
    delete_when_unused(service, KIND, arn, busy=busy)
    return {}


def forget_dataset(job: Job) -> None:
    """A deleted dataset takes its rows with it (its jobs' records go with the dataset)."""
    delete_rows(job.service, job.arn)


HANDLERS: dict[str, Handler] = {
    "CreateDataset": create_dataset,
    "DeleteDataset": delete_dataset,
}
JOBS: dict[tuple[str, str], Work] = {
    (KIND.name, "DELETE"): forget_dataset,
}
