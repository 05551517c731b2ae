"""The loopback S3 keeps its objects under the data directory across a restart, even a kill."""

from __future__ import annotations

import hashlib
import os
import signal
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import boto3
import httpx
import pytest
from boto3.s3.transfer import TransferConfig

from personalize_local.process import LocalService

MIB = 1024 * 1024


def s3_of(service: LocalService) -> Any:
    return boto3.client("s3", endpoint_url=service.env["AWS_ENDPOINT_URL_S3"])


@pytest.mark.slow
def test_objects_buckets_and_deletions_outlive_a_restart(tmp_path: Path) -> None:
    big = bytes(range(256)) * (24 * 1024)  # 6 MiB: two parts at a 5 MiB part size
    with LocalService(tmp_path) as first:
        s3 = s3_of(first)
        s3.create_bucket(Bucket="kept")
        s3.put_object(
            Bucket="kept",
            Key="prepared/interactions.csv",
            Body=b"USER_ID,ITEM_ID,TIMESTAMP\nu1,i1,1\n",
            ContentType="text/csv",
            Metadata={"source-etag": "abc"},
        )
        s3.put_object(Bucket="kept", Key="prepared", Body=b"a key that is also a prefix")
        s3.put_object(Bucket="kept", Key="gone.json", Body=b"{}")
        s3.delete_object(Bucket="kept", Key="gone.json")
        part = TransferConfig(multipart_threshold=5 * MIB, multipart_chunksize=5 * MIB)
        s3.upload_fileobj(_file(tmp_path / "big.bin", big), "kept", "batch/out.bin", Config=part)
        s3.create_bucket(Bucket="removed")
        s3.put_object(Bucket="removed", Key="x", Body=b"x")
        s3.delete_objects(Bucket="removed", Delete={"Objects": [{"Key": "x"}]})
        s3.delete_bucket(Bucket="removed")
        before = {o["Key"]: o["ETag"] for o in s3.list_objects_v2(Bucket="kept")["Contents"]}
    assert before["batch/out.bin"].endswith('-2"')  # really a multipart upload

    with LocalService(tmp_path) as second:
        s3 = s3_of(second)
        assert [b["Name"] for b in s3.list_buckets()["Buckets"]] == ["kept"]
        after = {o["Key"]: o["ETag"] for o in s3.list_objects_v2(Bucket="kept")["Contents"]}
        assert after == before
        csv = s3.get_object(Bucket="kept", Key="prepared/interactions.csv")
        assert csv["Body"].read() == b"USER_ID,ITEM_ID,TIMESTAMP\nu1,i1,1\n"
        assert csv["ContentType"] == "text/csv"
        assert csv["Metadata"] == {"source-etag": "abc"}
        body = s3.get_object(Bucket="kept", Key="batch/out.bin")["Body"].read()
        assert hashlib.sha256(body).digest() == hashlib.sha256(big).digest()


@pytest.mark.slow
def test_an_acknowledged_write_survives_a_kill(tmp_path: Path) -> None:
    service = LocalService(tmp_path)
    service.start()
    s3 = s3_of(service)
    s3.create_bucket(Bucket="killed")
    s3.put_object(Bucket="killed", Key="holdout.csv", Body=b"u,i\n")
    assert service.pid is not None
    os.kill(service.pid, signal.SIGKILL)  # no shutdown code runs
    service.stop()  # reaps it

    with LocalService(tmp_path) as again:
        assert s3_of(again).get_object(Bucket="killed", Key="holdout.csv")["Body"].read() == (
            b"u,i\n"
        )


@pytest.mark.slow
def test_concurrent_writes_are_all_kept(tmp_path: Path) -> None:
    with LocalService(tmp_path) as first:
        s3 = s3_of(first)
        s3.create_bucket(Bucket="busy")

        def write(worker: int) -> None:
            for n in range(25):
                s3.put_object(Bucket="busy", Key=f"part-{worker}/{n}.csv", Body=f"{worker},{n}")
            s3.delete_object(Bucket="busy", Key=f"part-{worker}/0.csv")

        with ThreadPoolExecutor(8) as pool:
            list(pool.map(write, range(8)))

    with LocalService(tmp_path) as second:
        listed = s3_of(second).get_paginator("list_objects_v2").paginate(Bucket="busy")
        keys = {o["Key"] for page in listed for o in page.get("Contents", [])}
        assert keys == {f"part-{w}/{n}.csv" for w in range(8) for n in range(1, 25)}


@pytest.mark.slow
def test_resetting_the_local_s3_empties_its_folder(tmp_path: Path) -> None:
    with LocalService(tmp_path) as service:
        s3 = s3_of(service)
        s3.create_bucket(Bucket="reset-me")
        s3.put_object(Bucket="reset-me", Key="k", Body=b"v")
        assert (tmp_path / "s3" / "reset-me").is_dir()
        httpx.post(f"{service.env['AWS_ENDPOINT_URL_S3']}/moto-api/reset").raise_for_status()
        assert not (tmp_path / "s3" / "reset-me").exists()


def _file(path: Path, data: bytes) -> Any:
    path.write_bytes(data)
    return path.open("rb")
