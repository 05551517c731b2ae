"""CreateDatasetGroup, DescribeDatasetGroup, ListDatasetGroups, DeleteDatasetGroup."""

from __future__ import annotations

from typing import Any

from personalize_local.kinds import DATASET, DATASET_GROUP, EVENT_TRACKER, RECOMMENDER, SOLUTION
from personalize_local.ops import Handler
from personalize_local.records import DatasetGroup
from personalize_local.resources import create_tags, delete_when_unused, start_create
from personalize_local.service import Call, Service

KIND = DATASET_GROUP


def create_dataset_group(service: Service, call: Call) -> dict[str, Any]:
    p = call.params
    arn = call.arn(f"dataset-group/{p['name']}")
    body: DatasetGroup = {
        "name": p["name"],
        "datasetGroupArn": arn,
        "status": "CREATE PENDING",
    }
    if "roleArn" in p:
        body["roleArn"] = p["roleArn"]
    if "kmsKeyArn" in p:
        body["kmsKeyArn"] = p["kmsKeyArn"]
    if "domain" in p:
        body["domain"] = p["domain"]
    tags = create_tags(p)
    start_create(service, KIND, arn, body, tags)
    return {"datasetGroupArn": arn, **({"domain": p["domain"]} if "domain" in p else {})}


FIRST = (EVENT_TRACKER, SOLUTION, RECOMMENDER, DATASET)
"""What must be deleted before a group: botocore's DeleteDatasetGroup names its event trackers,
solutions and datasets; the developer guide's "Requirements for deleting Amazon Personalize
resources" adds a domain group's recommenders. The rest (filters, metric attributions, data
deletion jobs) goes with the group."""


def delete_dataset_group(service: Service, call: Call) -> dict[str, Any]:
    delete_when_unused(service, KIND, call.params["datasetGroupArn"], first=FIRST)
    return {}


HANDLERS: dict[str, Handler] = {
    "CreateDatasetGroup": create_dataset_group,
    "DeleteDatasetGroup": delete_dataset_group,
}
