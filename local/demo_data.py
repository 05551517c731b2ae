"""Put the bundled sample data where ``config/demo.yaml`` reads it, in the local stack's S3.

``make up`` seeds it each time it starts: the raw exports of ``local.sample_data`` go under the
directory of the configured interactions source (``s3://personalize-demo/raw/``), where a
retrain started from the UI finds them. A file already there is left as it is (the local S3
keeps its objects across restarts, and what a user put there is theirs): only missing ones are
written.
"""

from __future__ import annotations

import posixpath
import tempfile
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import boto3

from local.sample_data import SampleSize, write_exports
from tasks.config import load_config
from tasks.s3_access import apply_access

DEMO_SIZE = SampleSize()


def raw_prefix(config_path: Path) -> str:
    """The ``s3://bucket/prefix`` holding the configuration's raw interactions export."""
    config = load_config(config_path)
    source = config.datasets.interactions.source
    if source is None:
        raise ValueError(f"{config_path}: datasets.interactions.source is not configured")
    return posixpath.dirname(source.uri.rstrip("/"))


def seed_demo_data(
    config_path: Path, client_env: dict[str, str], size: SampleSize = DEMO_SIZE
) -> list[str]:
    """Write the sample exports missing from the S3 that ``client_env`` points at; return the
    URIs of all of them."""
    prefix = urlparse(raw_prefix(config_path))
    bucket, key_prefix = prefix.netloc, prefix.path.strip("/")
    options: Any = {
        "region_name": client_env.get("AWS_DEFAULT_REGION", "us-east-1"),
        "aws_access_key_id": client_env.get("AWS_ACCESS_KEY_ID", "testing"),
        "aws_secret_access_key": client_env.get("AWS_SECRET_ACCESS_KEY", "testing"),
    }
    s3: Any = boto3.client("s3", endpoint_url=client_env["AWS_ENDPOINT_URL_S3"], **options)
    existing = {b["Name"] for b in s3.list_buckets()["Buckets"]}
    if bucket not in existing:
        s3.create_bucket(Bucket=bucket)
    if "AWS_ENDPOINT_URL_IAM" not in client_env:
        raise RuntimeError(
            "The running local service announces no IAM endpoint (it was started before it "
            "served IAM, or with --s3-endpoint): make down, then make up."
        )
    iam: Any = boto3.client("iam", endpoint_url=client_env["AWS_ENDPOINT_URL_IAM"], **options)
    # As a user must on AWS: Personalize may use the bucket and assume the configured role.
    apply_access(s3, iam, bucket, load_config(config_path).role_arn, options["region_name"])
    listed = s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=key_prefix)
    there = {item["Key"] for page in listed for item in page.get("Contents", [])}
    uris = []
    with tempfile.TemporaryDirectory() as tmp:
        write_exports(tmp, size)
        for path in sorted(Path(tmp).iterdir()):
            key = posixpath.join(key_prefix, path.name)
            if key not in there:
                s3.upload_file(str(path), bucket, key)
            uris.append(f"s3://{bucket}/{key}")
    return uris
