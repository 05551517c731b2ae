"""GetSolutionMetrics on MovieLens 100K (ratings > 3) beside what the real service reported.

Run with ``make bench-movielens RATINGS=path/to/ml-100k/u.data``. MovieLens may not be
redistributed, so bring your own copy of ``u.data`` (from grouplens.org). The benchmark:

1. keeps the ratings above 3 as USER_ID, ITEM_ID, TIMESTAMP interactions, as the public
   notebooks did before calling the real service;
2. imports them into the local service and trains aws-user-personalization ``--trials`` times
   (each version draws its own random 10% of users to test on, as the real service does);
3. prints every trial's metrics beside the range three real runs reported
   (``docs/aws-facts.md#movielens``) and, last, how many metrics of each trial fell in that range.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
from pathlib import Path
from typing import Any

import boto3
import pandas as pd

from benchmarks.emulator import BUCKET, ROLE, wait
from personalize_local.process import LocalService
from tasks.s3_access import put_bucket_access

RECIPE = "arn:aws:personalize:::recipe/aws-user-personalization"
SCHEMA = {
    "type": "record",
    "name": "Interactions",
    "namespace": "com.amazonaws.personalize.schema",
    "fields": [
        {"name": "USER_ID", "type": "string"},
        {"name": "ITEM_ID", "type": "string"},
        {"name": "TIMESTAMP", "type": "long"},
    ],
    "version": "1.0",
}
# Real GetSolutionMetrics, aws-user-personalization, three runs (2021-01, 2021-06, 2025-05).
REAL_RANGE = {
    "coverage": (0.29, 0.54),
    "mean_reciprocal_rank_at_25": (0.10, 0.14),
    "normalized_discounted_cumulative_gain_at_5": (0.079, 0.134),
    "normalized_discounted_cumulative_gain_at_10": (0.12, 0.17),
    "normalized_discounted_cumulative_gain_at_25": (0.16, 0.24),
    "precision_at_5": (0.027, 0.051),
    "precision_at_10": (0.029, 0.046),
    "precision_at_25": (0.021, 0.034),
}


def interactions(ratings: Path) -> pd.DataFrame:
    """The ratings above 3 of a MovieLens 100K ``u.data`` file, as Personalize interactions."""
    frame = pd.read_csv(ratings, sep="\t", names=["USER_ID", "ITEM_ID", "RATING", "TIMESTAMP"])
    kept = frame[frame["RATING"] > 3]
    return kept[["USER_ID", "ITEM_ID", "TIMESTAMP"]].astype({"USER_ID": str, "ITEM_ID": str})


def import_group(personalize: Any, s3: Any, frame: pd.DataFrame) -> str:
    """A dataset group with ``frame`` imported as its interactions; the group's ARN."""
    s3.create_bucket(Bucket=BUCKET)
    put_bucket_access(s3, BUCKET)
    s3.put_object(Bucket=BUCKET, Key="ml-100k.csv", Body=frame.to_csv(index=False).encode())
    group = personalize.create_dataset_group(name="movielens")["datasetGroupArn"]
    wait(lambda: personalize.describe_dataset_group(datasetGroupArn=group), "datasetGroup")
    schema = personalize.create_schema(name="movielens", schema=json.dumps(SCHEMA))["schemaArn"]
    dataset = personalize.create_dataset(
        name="movielens", schemaArn=schema, datasetGroupArn=group, datasetType="Interactions"
    )["datasetArn"]
    wait(lambda: personalize.describe_dataset(datasetArn=dataset), "dataset")
    job = personalize.create_dataset_import_job(
        jobName="movielens",
        datasetArn=dataset,
        dataSource={"dataLocation": f"s3://{BUCKET}/ml-100k.csv"},
        roleArn=ROLE,
    )["datasetImportJobArn"]
    wait(
        lambda: personalize.describe_dataset_import_job(datasetImportJobArn=job), "datasetImportJob"
    )
    return str(group)


def trial_metrics(personalize: Any, group: str, trials: int) -> list[dict[str, float]]:
    """GetSolutionMetrics of ``trials`` versions of one aws-user-personalization solution."""
    solution = personalize.create_solution(
        name="movielens", datasetGroupArn=group, recipeArn=RECIPE, performAutoTraining=False
    )["solutionArn"]
    wait(lambda: personalize.describe_solution(solutionArn=solution), "solution")
    found = []
    for _ in range(trials):
        version = personalize.create_solution_version(solutionArn=solution)["solutionVersionArn"]
        wait(
            lambda v=version: personalize.describe_solution_version(solutionVersionArn=v),
            "solutionVersion",
        )
        found.append(personalize.get_solution_metrics(solutionVersionArn=version)["metrics"])
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--ratings", type=Path, required=True, help="MovieLens 100K u.data")
    parser.add_argument("--trials", type=int, default=3, help="solution versions to train")
    args = parser.parse_args()
    os.environ.setdefault("AWS_ACCESS_KEY_ID", "benchmark")
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "benchmark")
    os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
    frame = interactions(args.ratings)
    print(f"{len(frame):,} interactions (ratings > 3) from {frame['USER_ID'].nunique()} users "
          f"on {frame['ITEM_ID'].nunique()} items")  # fmt: skip
    with tempfile.TemporaryDirectory() as data_dir, LocalService(Path(data_dir)) as service:
        personalize = boto3.client(
            "personalize", endpoint_url=service.env["AWS_ENDPOINT_URL_PERSONALIZE"]
        )
        s3 = boto3.client("s3", endpoint_url=service.env["AWS_ENDPOINT_URL_S3"])
        found = trial_metrics(personalize, import_group(personalize, s3, frame), args.trials)
    print(f"{'metric':45} {'real min-max':>13} " + " ".join(f"{f'#{n + 1}':>7}" for n in range(len(found))))  # fmt: skip
    for name, (low, high) in REAL_RANGE.items():
        cells = " ".join(f"{m[name]:.4f}{' ' if low <= m[name] <= high else '*'}" for m in found)
        print(f"{name:45} {low:>6}-{high:<6} {cells}")
    inside = [sum(low <= m[k] <= high for k, (low, high) in REAL_RANGE.items()) for m in found]
    print("(* outside the real range)")
    print(f"movielens: {', '.join(map(str, inside))} of {len(REAL_RANGE)} metrics within the "
          "real service's range, per trial")  # fmt: skip


if __name__ == "__main__":
    main()
