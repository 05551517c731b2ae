"""Batch segment jobs over HTTP: USER_SEGMENTATION recipes, the documented input and output.

Sources: botocore's model (CreateBatchSegmentJob's members and errors), the developer guide's
"Preparing input data for user segments" and "Batch segment job output format examples", and
docs/aws-facts.md#statuses (batch segment job statuses CREATE PENDING, CREATE IN_PROGRESS, ACTIVE).
"""

from __future__ import annotations

import json
from typing import Any

import pandas as pd

from personalize_local.sample_world import generate_interactions, generate_items
from personalize_local.testing.helpers import error_of
from personalize_local.testing.training_setup import (
    N_INTERACTIONS,
    N_ITEMS,
    N_USERS,
    active_solution,
    loaded_group,
    settled,
    train,
)

ROLE = "arn:aws:iam::000000000000:role/PersonalizeS3"


def run_segments(
    personalize: Any, s3: Any, bucket: str, version: str, lines: list[str], name: str, **extra: Any
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Run a batch segment job; its description and its output lines, parsed."""
    s3.put_object(Bucket=bucket, Key=f"{name}/in.json", Body="\n".join(lines).encode())
    arn = personalize.create_batch_segment_job(
        jobName=name,
        solutionVersionArn=version,
        jobInput={"s3DataSource": {"path": f"s3://{bucket}/{name}/in.json"}},
        jobOutput={"s3DataDestination": {"path": f"s3://{bucket}/{name}/out/"}},
        roleArn=ROLE,
        **extra,
    )["batchSegmentJobArn"]
    first = personalize.describe_batch_segment_job(batchSegmentJobArn=arn)["batchSegmentJob"]
    assert first["status"] in ("CREATE PENDING", "CREATE IN_PROGRESS", "ACTIVE")
    done = settled(
        lambda: personalize.describe_batch_segment_job(batchSegmentJobArn=arn)["batchSegmentJob"]
    )
    body = s3.get_object(Bucket=bucket, Key=f"{name}/out/in.json.out")["Body"].read()
    return done, [json.loads(line) for line in body.decode().splitlines()]


def test_item_affinity_segments_users_who_like_the_item(
    personalize: Any, s3: Any, bucket: str, unique: str
) -> None:
    group = loaded_group(personalize, s3, bucket, f"seg-{unique}")
    solution = active_solution(personalize, group, f"seg-{unique}", "aws-item-affinity")
    version = train(personalize, solution)
    assert version["status"] == "ACTIVE", version

    lines = ['{"itemId": "i3"}', '{"itemId": "i7"}', '{"itemId": "nope"}', "not json"]
    job, out = run_segments(personalize, s3, bucket, version["solutionVersionArn"], lines,
                            f"seg-{unique}", numResults=20)  # fmt: skip
    assert job["status"] == "ACTIVE" and job["numResults"] == 20
    assert [line["input"].get("itemId") for line in out[:3]] == ["i3", "i7", "nope"]
    assert all(len(line["output"]["recommendedUsers"]) == 20 for line in out[:2])
    assert out[2]["output"] is None and "nope" in out[2]["error"]
    assert out[3]["output"] is None and "JSON" in out[3]["error"]

    # Planted data: a user's taste is a few categories, so the users segmented for an item
    # interact with its category far more than users at large.
    interactions = generate_interactions(N_USERS, N_ITEMS, N_INTERACTIONS)
    category = generate_items(N_ITEMS).set_index("ITEM_ID")["CATEGORY"]
    interactions["CATEGORY"] = interactions["ITEM_ID"].map(category)
    share = interactions.groupby("USER_ID")["CATEGORY"].apply(
        lambda c: (c == category["i3"]).mean()
    )
    segment = out[0]["output"]["recommendedUsers"]
    assert share[segment].mean() > 2 * share.mean()

    listed = personalize.list_batch_segment_jobs(
        solutionVersionArn=version["solutionVersionArn"], maxResults=1
    )
    assert [j["jobName"] for j in listed["batchSegmentJobs"]] == [f"seg-{unique}"]
    # CreateBatchInferenceJob's documentation lists the recipe types it serves; segmentation
    # versions are for batch segment jobs.
    code, message = error_of(personalize.create_batch_inference_job, jobName=f"inf-{unique}",
                             solutionVersionArn=version["solutionVersionArn"],
                             jobInput={"s3DataSource": {"path": f"s3://{bucket}/seg-{unique}/in.json"}},
                             jobOutput={"s3DataDestination": {"path": f"s3://{bucket}/x/"}},
                             roleArn=ROLE)  # fmt: skip
    assert code == "InvalidInputException" and "CreateBatchSegmentJob" in message


def test_item_attribute_affinity_and_create_errors(
    personalize: Any, s3: Any, bucket: str, unique: str
) -> None:
    group = loaded_group(personalize, s3, bucket, f"attr-{unique}")
    solution = active_solution(personalize, group, f"attr-{unique}", "aws-item-attribute-affinity")
    version = train(personalize, solution)["solutionVersionArn"]
    category = generate_items(N_ITEMS)["CATEGORY"].iloc[3]
    lines = [
        json.dumps({"itemAttributes": f'ITEMS.category = "{category}"'}),
        json.dumps({"itemAttributes": 'ITEMS.CATEGORY = "cat-01" OR ITEMS.CATEGORY = "cat-02"'}),
        json.dumps({"itemAttributes": 'ITEMS.colour = "red"'}),
        json.dumps({"itemAttributes": "category is red"}),
    ]
    job, out = run_segments(personalize, s3, bucket, version, lines, f"attr-{unique}")
    assert job["status"] == "ACTIVE" and job["numResults"] == 25
    assert out[0]["itemAttributes"] == f'ITEMS.category = "{category}"'
    assert len(out[0]["output"]["recommendedUsers"]) == 25 and out[0]["error"] is None
    assert len(out[1]["output"]["recommendedUsers"]) == 25
    assert "colour" in out[2]["error"] and "ITEMS.<column>" in out[3]["error"]
    assert pd.Series(out[0]["output"]["recommendedUsers"]).is_unique

    other = active_solution(personalize, group, f"attr-sims-{unique}", "aws-sims")
    sims = train(personalize, other)["solutionVersionArn"]
    code, message = error_of(
        personalize.create_batch_segment_job,
        jobName=f"bad-{unique}",
        solutionVersionArn=sims,
        jobInput={"s3DataSource": {"path": f"s3://{bucket}/x.json"}},
        jobOutput={"s3DataDestination": {"path": f"s3://{bucket}/out/"}},
        roleArn=ROLE,
    )
    assert code == "InvalidInputException" and "USER_SEGMENTATION" in message
    code, _ = error_of(
        personalize.describe_batch_segment_job,
        batchSegmentJobArn=sims.replace("solution/", "batch-segment-job/"),
    )
    assert code == "ResourceNotFoundException"
    types = {r["name"]: r for r in personalize.list_recipes()["recipes"]}
    assert "aws-item-affinity" in types
    described = personalize.describe_recipe(recipeArn=types["aws-item-affinity"]["recipeArn"])
    assert described["recipe"]["recipeType"] == "USER_SEGMENTATION"
