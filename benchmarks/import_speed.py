"""How long a 1M-row interactions import takes, end to end through boto3 and the loopback S3.

Run: .venv/bin/python -m benchmarks.import_speed [rows]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import boto3
import numpy as np
import pandas as pd

from personalize_local.process import LocalService
from personalize_local.testing.helpers import (
    INTERACTIONS_SCHEMA,
    active_dataset,
    active_group,
    wait_done,
)
from tasks.s3_access import put_bucket_access


def main(rows: int) -> None:
    rng = np.random.default_rng(0)
    frame = pd.DataFrame(
        {
            "USER_ID": [f"u{n}" for n in rng.integers(0, rows // 50, rows)],
            "ITEM_ID": [f"i{n}" for n in rng.integers(0, 10_000, rows)],
            "TIMESTAMP": rng.integers(1_600_000_000, 1_700_000_000, rows),
            "EVENT_TYPE": rng.choice(["click", "purchase"], rows),
            "EVENT_VALUE": np.round(rng.random(rows), 3),
        }
    )
    body = frame.to_csv(index=False).encode()
    with tempfile.TemporaryDirectory() as tmp, LocalService(Path(tmp)) as service:
        service.apply_env()
        personalize = boto3.client("personalize")
        s3 = boto3.client("s3")
        s3.create_bucket(Bucket="bench")
        put_bucket_access(s3, "bench")
        s3.put_object(Bucket="bench", Key="interactions.csv", Body=body)
        group = active_group(personalize, "bench")
        dataset = active_dataset(personalize, group, "Interactions", INTERACTIONS_SCHEMA, "i")
        started = time.perf_counter()
        arn = personalize.create_dataset_import_job(
            jobName="bench",
            datasetArn=dataset,
            dataSource={"dataLocation": "s3://bench/interactions.csv"},
            roleArn="arn:aws:iam::000000000000:role/R",
        )["datasetImportJobArn"]
        job = wait_done(
            lambda: personalize.describe_dataset_import_job(datasetImportJobArn=arn),
            "datasetImportJob",
            timeout=600,
        )
        elapsed = time.perf_counter() - started
    print(f"{rows} rows ({len(body) / 1e6:.0f} MB CSV): {job['status']} in {elapsed:.1f} s")
    print(job.get("failureReason", ""))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("rows", type=int, nargs="?", default=1_000_000, help="rows to import")
    main(parser.parse_args().rows)
