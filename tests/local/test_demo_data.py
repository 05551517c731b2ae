"""The stack's sample data lands where the demo configuration reads it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import boto3
import pandas as pd

from local.demo_data import raw_prefix, seed_demo_data
from local.sample_data import TEST_SIZE
from personalize_local.process import LocalService
from tasks.config import load_config
from tasks.s3_access import bucket_findings, role_findings

DEMO = Path(__file__).resolve().parents[2] / "config" / "demo.yaml"


def test_raw_prefix_is_the_folder_of_the_interactions_source() -> None:
    assert raw_prefix(DEMO) == "s3://personalize-demo/raw"


def test_seeded_files_are_the_ones_the_configuration_reads(
    local_service: LocalService, s3: Any
) -> None:
    uris = seed_demo_data(DEMO, local_service.env, TEST_SIZE)
    config = load_config(DEMO)
    sources = [d.source.uri for d in config.datasets.configured().values() if d.source]
    assert set(sources) <= set(uris)
    interactions = pd.read_parquet(config.datasets.interactions.source.uri)  # type: ignore[union-attr]
    assert {"user_id", "sku", "event", "ts"} <= set(interactions.columns)
    assert len(interactions) > 1000
    # Issue 23: `make up` uploaded the sample data over the bucket's files every time.
    bucket, _, key = config.datasets.interactions.source.uri.removeprefix("s3://").partition("/")  # type: ignore[union-attr]
    s3.put_object(Bucket=bucket, Key=key, Body=b"the user's own export")
    assert seed_demo_data(DEMO, local_service.env, TEST_SIZE) == uris, "seeding again is harmless"
    assert s3.get_object(Bucket=bucket, Key=key)["Body"].read() == b"the user's own export"
    # As a user must on AWS: Personalize may use the bucket and assume the configured role.
    assert bucket_findings(s3, config.bucket, "000000000000", "us-east-1") == []
    assert role_findings(boto3.client("iam"), config.role_arn, "us-east-1") == []
