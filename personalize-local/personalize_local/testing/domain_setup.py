"""Helpers for domain dataset groups: their schemas, planted ECOMMERCE data, recommenders."""

from __future__ import annotations

import json
from typing import Any

from personalize_local.sample_world import generate_interactions
from personalize_local.testing.helpers import active_group, put_csv, run_import, wait_status

ECOMMERCE_INTERACTIONS = json.dumps({"type": "record", "name": "Interactions",
    "namespace": "com.amazonaws.personalize.schema", "version": "1.0", "fields": [
    {"name": "USER_ID", "type": "string"},
    {"name": "ITEM_ID", "type": "string"},
    {"name": "TIMESTAMP", "type": "long"},
    {"name": "EVENT_TYPE", "type": "string"},
]})  # fmt: skip
"""The bundled interactions schema has the ECOMMERCE domain's required fields."""
ECOMMERCE_ITEMS = json.dumps(
    {
        "type": "record",
        "name": "Items",
        "fields": [
            {"name": "ITEM_ID", "type": "string"},
            {"name": "PRICE", "type": "float"},
            {"name": "CATEGORY_L1", "type": "string", "categorical": True},
        ],
    }
)
RECIPE = "arn:aws:personalize:::recipe/"
N_USERS, N_ITEMS, N_INTERACTIONS = 300, 120, 4000


def ecommerce_events(seed: int = 0, start: int = 1_700_000_000) -> str:
    """Planted interactions as an ECOMMERCE CSV: clicks become View, purchases Purchase."""
    frame = generate_interactions(N_USERS, N_ITEMS, N_INTERACTIONS, seed=seed, start=start)
    frame["EVENT_TYPE"] = frame["EVENT_TYPE"].map({"click": "View", "purchase": "Purchase"})
    return str(frame.to_csv(index=False))


def ecommerce_group(personalize: Any, s3: Any, bucket: str, name: str) -> tuple[str, str]:
    """An ECOMMERCE dataset group with its interactions imported; (group ARN, dataset ARN)."""
    group = active_group_of(personalize, name, "ECOMMERCE")
    schema = personalize.create_schema(
        name=f"{name}-interactions", schema=ECOMMERCE_INTERACTIONS, domain="ECOMMERCE"
    )["schemaArn"]
    dataset = personalize.create_dataset(
        name=f"{name}-interactions",
        schemaArn=schema,
        datasetGroupArn=group,
        datasetType="Interactions",
    )["datasetArn"]
    wait_status(lambda: personalize.describe_dataset(datasetArn=dataset), "dataset", "ACTIVE")
    uri = put_csv(s3, bucket, f"{name}/interactions.csv", ecommerce_events())
    job = run_import(personalize, dataset, uri, f"{name}-interactions")
    assert job["status"] == "ACTIVE", job
    return group, str(dataset)


def active_group_of(personalize: Any, name: str, domain: str | None) -> str:
    """A dataset group of a domain (custom when None), waited ACTIVE."""
    if domain is None:
        return active_group(personalize, name)
    arn = personalize.create_dataset_group(name=name, domain=domain)["datasetGroupArn"]
    wait_status(lambda: personalize.describe_dataset_group(datasetGroupArn=arn),
                "datasetGroup", "ACTIVE")  # fmt: skip
    return str(arn)


def describe(personalize: Any, arn: str) -> dict[str, Any]:
    """DescribeRecommender's ``recommender``."""
    return dict(personalize.describe_recommender(recommenderArn=arn)["recommender"])
