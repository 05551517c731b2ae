"""Preparing from and to the real S3-protocol server the local service starts."""

from __future__ import annotations

import io
import json
from typing import Any

import pandas as pd

from personalize_local.process import LocalService
from personalize_local.testing.helpers import active_dataset, active_group, run_import, stored_rows
from tasks.prep.config import CleaningConfig, SourceConfig
from tasks.prep.holdout import HoldoutSpec
from tasks.prep.pipeline import PrepResult, prepare
from tests.tasks.prep.conftest import INTERACTIONS, MAPPING, interactions


def put_parquet(s3: Any, bucket: str, key: str, frame: pd.DataFrame) -> None:
    buffer = io.BytesIO()
    frame.to_parquet(buffer)
    s3.put_object(Bucket=bucket, Key=key, Body=buffer.getvalue())


def prepared_on_s3(
    s3: Any, bucket: str, frame: pd.DataFrame, run: str, holdout: HoldoutSpec | None = None
) -> PrepResult:
    """``frame`` uploaded as raw Parquet and prepared into ``prepared/<run>/``."""
    put_parquet(s3, bucket, "raw/events.parquet", frame)
    return prepare(
        SourceConfig(uri=f"s3://{bucket}/raw/events.parquet", columns=MAPPING),
        CleaningConfig(),
        INTERACTIONS,
        "interactions",
        f"s3://{bucket}/prepared/{run}/",
        holdout=holdout,
    )


def imported(personalize: Any, service: LocalService, uri: str, unique: str) -> pd.DataFrame:
    """Import a file into a new interactions dataset of the local service; the rows it holds."""
    group = active_group(personalize, f"g-{unique}")
    dataset = active_dataset(personalize, group, "Interactions", json.dumps(INTERACTIONS), unique)
    job = run_import(personalize, dataset, uri, f"prep-{unique}")
    assert job["status"] == "ACTIVE", job
    return stored_rows(service.data_dir, dataset)


def test_prefix_on_s3_to_import_file_on_s3(s3: Any, bucket: str) -> None:
    frame = interactions(1500)
    frame.loc[3, "sku"] = ""
    put_parquet(s3, bucket, "raw/events/part-0.parquet", frame.iloc[:700])
    put_parquet(s3, bucket, "raw/events/part-1.parquet", frame.iloc[700:])
    s3.put_object(Bucket=bucket, Key="raw/events/more.csv", Body=frame.iloc[:5].to_csv(index=False))

    result = prepare(
        SourceConfig(uri=f"s3://{bucket}/raw/events/", columns=MAPPING),
        CleaningConfig(),
        INTERACTIONS,
        "INTERACTIONS",
        f"s3://{bucket}/prepared/",
        partitions=3,  # several parts on S3, as a cluster's workers write them
    )

    assert result.import_uri == f"s3://{bucket}/prepared/interactions/"
    assert result.rows_in == 1505
    assert result.rows_rejected == 2  # the empty sku, in the Parquet part and in the CSV
    assert result.report.removed_by_rule["exact duplicate"] == 4
    keys = {o["Key"] for o in s3.list_objects_v2(Bucket=bucket, Prefix="prepared/")["Contents"]}
    parts = sorted(k for k in keys if k.startswith("prepared/interactions/"))
    assert len(parts) > 1 and all(k.endswith(".csv") for k in parts)
    bodies = [s3.get_object(Bucket=bucket, Key=k)["Body"].read() for k in parts]
    frames = [pd.read_csv(io.BytesIO(b), dtype={"USER_ID": str}) for b in bodies]
    out = pd.concat(frames)
    assert list(out.columns) == ["USER_ID", "ITEM_ID", "TIMESTAMP", "EVENT_TYPE"]
    assert len(out) == result.rows_out == 1499
    # Each user's rows are all in one part.
    assert sum(f["USER_ID"].nunique() for f in frames) == out["USER_ID"].nunique()
    rejects = s3.get_object(Bucket=bucket, Key="prepared/interactions.rejects.csv")["Body"].read()
    assert rejects.decode().count("ITEM_ID is empty") == 2
    # Beside the import folder, never in it: an import of the folder reads only the parts.
    assert {"prepared/interactions.report.json", "prepared/interactions.rejects.csv"} <= keys


def test_the_import_file_imports_into_the_local_service(
    personalize: Any, s3: Any, bucket: str, unique: str, local_service: LocalService
) -> None:
    frame = interactions(1200)
    frame["event"] = frame["event"].map({"click": ' say "hi", then click', "purchase": "buy"})
    result = prepared_on_s3(s3, bucket, frame, "run-1")
    stored = imported(personalize, local_service, result.import_uri, unique)
    assert len(stored) == result.rows_out == 1200
    assert set(stored["EVENT_TYPE"]) == {'say "hi", then click', "buy"}


def test_the_holdout_is_written_beside_the_import_and_never_imported(
    personalize: Any, s3: Any, bucket: str, unique: str, local_service: LocalService
) -> None:
    frame = interactions(2400, users=60)
    result = prepared_on_s3(s3, bucket, frame, "run-2", HoldoutSpec(days=1, max_users=10))
    assert result.holdout is not None and result.holdout.rows > 0
    assert result.holdout.uri == f"s3://{bucket}/prepared/run-2/interactions.holdout.csv"
    body = s3.get_object(Bucket=bucket, Key="prepared/run-2/interactions.holdout.csv")["Body"]
    holdout = pd.read_csv(io.BytesIO(body.read()), dtype={"USER_ID": str})
    assert len(holdout) == result.holdout.rows

    stored = imported(personalize, local_service, result.import_uri, unique).astype(
        {"USER_ID": str}
    )
    assert len(stored) == result.rows_out == len(frame) - len(holdout)
    key = ["USER_ID", "TIMESTAMP"]
    assert stored[key].astype(str).merge(holdout[key].astype(str), on=key).empty
