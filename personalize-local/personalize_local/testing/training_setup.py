"""Helpers for the training tests: a dataset group loaded with planted sample data over HTTP,
solutions, trained versions and campaigns, each waited to its end state."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from personalize_local.sample_world import generate_interactions, generate_items
from personalize_local.testing.helpers import (
    INTERACTIONS_SCHEMA,
    active_dataset,
    active_group,
    put_csv,
    run_import,
    wait_status,
)

CATALOGUE_SCHEMA = json.dumps({"type": "record", "name": "Items",
    "namespace": "com.amazonaws.personalize.schema", "version": "1.0", "fields": [
    {"name": "ITEM_ID", "type": "string"},
    {"name": "CATEGORY", "type": "string", "categorical": True},
]})  # fmt: skip
"""The bundled items schema (ITEM_ID, CATEGORY), as the sample catalogue has it."""
N_USERS, N_ITEMS, N_INTERACTIONS = 300, 120, 4000


@dataclass(frozen=True)
class LoadedGroup:
    """A dataset group with planted interactions and items imported: its and its datasets' ARNs,
    and the CSV files the items were imported from."""

    group: str
    interactions: str
    items: str
    items_csv: str


def loaded_group(personalize: Any, s3: Any, bucket: str, name: str, seed: int = 0) -> str:
    """A dataset group with planted interactions and items imported; the group's ARN."""
    return load_group(personalize, s3, bucket, name, seed).group


def load_group(personalize: Any, s3: Any, bucket: str, name: str, seed: int = 0) -> LoadedGroup:
    """A dataset group with planted interactions and items imported (over HTTP, no tasks)."""
    group = active_group(personalize, name)
    datasets, files = {}, {}
    for dataset_type, schema, frame in (
        (
            "Interactions",
            INTERACTIONS_SCHEMA,
            generate_interactions(N_USERS, N_ITEMS, N_INTERACTIONS, seed=seed),
        ),
        ("Items", CATALOGUE_SCHEMA, generate_items(N_ITEMS, seed=seed)),
    ):
        dataset = active_dataset(
            personalize, group, dataset_type, schema, f"{name}-{dataset_type.lower()}"
        )
        uri = put_csv(s3, bucket, f"{name}/{dataset_type}.csv", frame.to_csv(index=False))
        job = run_import(personalize, dataset, uri, f"{name}-{dataset_type.lower()}")
        assert job["status"] == "ACTIVE", job
        datasets[dataset_type], files[dataset_type] = dataset, uri
    return LoadedGroup(group, datasets["Interactions"], datasets["Items"], files["Items"])


def active_solution(personalize: Any, group: str, name: str, recipe: str, **extra: Any) -> str:
    """A solution of the group for a predefined recipe, waited ACTIVE."""
    arn = personalize.create_solution(
        name=name,
        datasetGroupArn=group,
        recipeArn=f"arn:aws:personalize:::recipe/{recipe}",
        **extra,
    )["solutionArn"]
    wait_status(lambda: personalize.describe_solution(solutionArn=arn), "solution", "ACTIVE")
    return str(arn)


def train(personalize: Any, solution: str, mode: str = "FULL") -> dict[str, Any]:
    """Create a solution version and wait for it to end; its description."""
    arn = personalize.create_solution_version(solutionArn=solution, trainingMode=mode)[
        "solutionVersionArn"
    ]
    return settled(
        lambda: personalize.describe_solution_version(solutionVersionArn=arn)["solutionVersion"]
    )


def settled(describe: Callable[[], dict[str, Any]], timeout: float = 120.0) -> dict[str, Any]:
    """Poll until a status is no longer PENDING, IN_PROGRESS or STOPPING; the last document."""
    deadline = time.monotonic() + timeout
    while True:
        body = describe()
        if not body["status"].endswith(("PENDING", "IN_PROGRESS", "STOPPING")):
            return body
        assert time.monotonic() < deadline, f"still {body['status']}: {body}"
        time.sleep(0.02)


def campaign_update(personalize: Any, campaign: str) -> dict[str, Any]:
    """Wait for a campaign's update to end; its ``latestCampaignUpdate``."""
    return settled(
        lambda: personalize.describe_campaign(campaignArn=campaign)["campaign"][
            "latestCampaignUpdate"
        ]
    )


def active_campaign(personalize: Any, name: str, version: str) -> str:
    """A campaign serving a solution version, waited ACTIVE."""
    arn = personalize.create_campaign(name=name, solutionVersionArn=version)["campaignArn"]
    wait_status(lambda: personalize.describe_campaign(campaignArn=arn), "campaign", "ACTIVE")
    return str(arn)


def recommended(runtime: Any, campaign: str, user: str, **extra: Any) -> list[str]:
    """Item ids GetRecommendations answers for a user."""
    answer = runtime.get_recommendations(campaignArn=campaign, userId=user, **extra)
    return [item["itemId"] for item in answer["itemList"]]


def run_batch(
    personalize: Any, s3: Any, bucket: str, version: str, lines: list[str], name: str, **extra: Any
) -> list[dict[str, Any]]:
    """Run a batch inference job over JSON lines; the output lines, parsed."""
    s3.put_object(Bucket=bucket, Key=f"{name}/input.json", Body="\n".join(lines).encode())
    job = personalize.create_batch_inference_job(
        jobName=name,
        solutionVersionArn=version,
        jobInput={"s3DataSource": {"path": f"s3://{bucket}/{name}/input.json"}},
        jobOutput={"s3DataDestination": {"path": f"s3://{bucket}/{name}/out/"}},
        roleArn="arn:aws:iam::000000000000:role/PersonalizeS3",
        **extra,
    )["batchInferenceJobArn"]
    done = settled(
        lambda: personalize.describe_batch_inference_job(batchInferenceJobArn=job)[
            "batchInferenceJob"
        ]
    )
    assert done["status"] == "ACTIVE", done
    body = s3.get_object(Bucket=bucket, Key=f"{name}/out/input.json.out")["Body"].read()
    return [json.loads(line) for line in body.decode().splitlines()]
