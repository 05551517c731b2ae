"""``update_records``: new or changed items or users from upstream, sent one record at a time.

1. The records come from a file (Parquet, CSV or JSON lines; local or ``s3://``) or, from
   Python, a pandas DataFrame (:func:`send_frame`). ``columns`` maps schema fields to the
   data's columns (default: the dataset's configured ``source.columns``; a field not mapped
   reads a column of its own name); other columns are left out, and said so.
2. The records are checked against the dataset's live schema and sent 10 per PutItems or
   PutUsers call (``tasks.records``): one record that breaks the schema stops the run before
   anything is sent. A summary artifact says how many went where.
Records sent this way reach filters at once and the next training; a FULL import leaves them.
"""

from __future__ import annotations

import json
from pathlib import PurePosixPath
from typing import Any, Literal

import pandas as pd
from prefect import flow
from prefect.artifacts import create_table_artifact
from pydantic import Field

from flows.configured import DEFAULT_CONFIG
from tasks.config import PipelineConfig, load_config
from tasks.dataset_updates import live_dataset
from tasks.records import put_records
from tasks.reporting import artifact_key, run_logger
from tasks.resources import find_arn

RecordDataset = Literal["items", "users"]


def read_records(uri: str) -> pd.DataFrame:
    """A Parquet, CSV or JSON-lines file (local or s3://) as a DataFrame (CSV values as text)."""
    suffix = PurePosixPath(uri).suffix.lower()
    if suffix == ".csv":
        return pd.read_csv(uri, dtype=str, keep_default_na=False, na_values=[""])
    if suffix in (".jsonl", ".json"):
        return pd.read_json(uri, lines=True, dtype=False)
    return pd.read_parquet(uri)


def schema_columns(
    frame: pd.DataFrame, fields: list[str], columns: dict[str, str] | None
) -> pd.DataFrame:
    """The frame's columns that hold schema fields, renamed to the fields."""
    mapping = {field: (columns or {}).get(field, field) for field in fields}
    unknown = sorted(set(columns or {}) - set(fields))
    if unknown:
        raise ValueError(f"columns maps {', '.join(unknown)}, which the schema does not have "
                         f"(fields: {', '.join(fields)}); nothing was sent")  # fmt: skip
    present = {source: field for field, source in mapping.items() if source in frame.columns}
    left_out = sorted(set(frame.columns) - set(present))
    if left_out:
        run_logger().info("Columns not in the schema, not sent: %s", ", ".join(left_out))
    return frame[list(present)].rename(columns=present)


def send_frame(
    config: PipelineConfig,
    dataset: RecordDataset,
    frame: pd.DataFrame,
    columns: dict[str, str] | None = None,
) -> dict[str, Any]:
    """Check and send a DataFrame of items or users to the configuration's dataset."""
    group_name = config.dataset_group.name
    group = find_arn(config.aws, "dataset-group", group_name)
    live = live_dataset(config.aws, group, dataset) if group else {}
    if not live:
        raise ValueError(f"the {dataset} dataset of {group_name} does not exist: run provision "
                         "first; nothing was sent")  # fmt: skip
    schema = json.loads(live["schema"])
    configured = config.datasets.configured().get(dataset)
    if columns is None and configured is not None and configured.source is not None:
        columns = configured.source.columns
    records = schema_columns(frame, [f["name"] for f in schema["fields"]], columns)
    sent = put_records(config.aws, live["datasetArn"], dataset, records, schema)
    summary = {"dataset": dataset, "dataset_arn": live["datasetArn"], "records": sent}
    create_table_artifact(
        [{"measure": key, "value": str(value)} for key, value in summary.items()],
        key=artifact_key("records", group_name, dataset),
        description=f"{sent} {dataset} sent to {group_name} one by one",
    )
    return summary


@flow(name="update-records", log_prints=True)
def update_records(
    config_path: str = Field(DEFAULT_CONFIG, description="The pipeline configuration (YAML)."),
    dataset: RecordDataset = Field("items", description="Which dataset the records go to."),
    records_uri: str = Field(
        ..., description="Parquet, CSV or JSON-lines file of new or changed records."
    ),
    columns: dict[str, str] | None = Field(
        None, description="Schema field -> column; default: the dataset's source.columns."
    ),
) -> dict[str, Any]:
    """Send new or changed items or users to their dataset (PutItems / PutUsers)."""
    config = load_config(config_path)
    return send_frame(config, dataset, read_records(records_uri), columns)
