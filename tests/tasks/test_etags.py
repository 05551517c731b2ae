"""ETags of prepared data: an import folder's is made of its parts' (on the loopback S3)."""

from __future__ import annotations

from typing import Any

from tasks.etags import etag


def test_an_import_folder_has_an_etag_that_follows_its_parts(
    s3: Any, bucket: str, tmp_path: Any
) -> None:
    for key in (
        "run-1/interactions/part-00000.csv",
        "run-1/interactions/part-00001.csv",
        "run-1/interactions.rejects.csv",
    ):
        s3.put_object(Bucket=bucket, Key=key, Body=b"USER_ID,ITEM_ID,TIMESTAMP\nu,i,1\n")
    s3.put_object(Bucket=bucket, Key="run-2/interactions/part-00000.csv", Body=b"x\n")  # fmt: skip
    folder = f"s3://{bucket}/run-1/interactions/"
    first = etag(folder)
    assert first is not None and first == etag(folder)
    assert etag(f"s3://{bucket}/run-2/interactions/") != first
    s3.put_object(Bucket=bucket, Key="run-1/interactions/part-00001.csv", Body=b"changed\n")
    changed = etag(folder)
    assert changed != first
    s3.put_object(Bucket=bucket, Key="run-1/interactions.rejects.csv", Body=b"beside it\n")
    assert etag(folder) == changed  # the rejects beside the folder are not part of it
    single = etag(f"s3://{bucket}/run-1/interactions/part-00000.csv")
    assert single is not None and not single.startswith("folder-")
    (tmp_path / "local").mkdir()
    assert etag(f"{tmp_path}/local/") is None
