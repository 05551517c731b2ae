"""CreateDatasetGroup, DescribeDatasetGroup, ListDatasetGroups, DeleteDatasetGroup."""

from __future__ import annotations

from typing import Any

from personalize_local.ops import Handler
from personalize_local.resources import create_tags, delete_when_unused, start_create
from personalize_local.service import Call, Service

KIND = "dataset-group"


def create_dataset_group(service: Service, call: Call) -> dict[str, Any]:
    p = call.params
    arn = call.arn(f"dataset-group/{p['name']}")
    body: dict[str, Any] = {
        "name": p["name"],
        "datasetGroupArn": arn,
        "status": "CREATE PENDING",
        **{k: p[k] for k in ("roleArn", "kmsKeyArn", "domain") if k in p},
    }
    tags = create_tags(p)
    start_create(service, KIND, arn, body, tags)
    return {"datasetGroupArn": arn, **({"domain": p["domain"]} if "domain" in p else {})}


FIRST = ("event-tracker", "solution", "recommender", "dataset")
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
