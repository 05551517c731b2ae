"""Dataset exports: ``run_dataset_export`` copies a dataset's records to S3 as CSV and waits.

1. The job (CreateDatasetExportJob) writes BULK (imported), PUT (put one by one: PutEvents,
   PutItems, PutUsers) or ALL records to an S3 folder as CSV files with a header; a rerun with
   the same job name attaches to it (running: waited for; ACTIVE: returned).
2. ``exported_table`` reads every CSV under that folder back, typed by the dataset's Avro
   schema (long and int columns as integers, float and double as floats, booleans), whatever
   the files are called.
3. ``summarise`` gives what a person checks first: rows, users, items and the time span.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any, Literal

import fsspec
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from tasks.aws import AwsSettings, client
from tasks.named_jobs import run_named_job
from tasks.reporting import run_logger
from tasks.retries import personalize_task

KIND = "dataset-export-job"
IngestionMode = Literal["BULK", "PUT", "ALL"]
_ARROW_TYPES = {"string": pa.string(), "int": pa.int64(), "long": pa.int64(),
                "float": pa.float64(), "double": pa.float64(), "boolean": pa.bool_()}  # fmt: skip


@personalize_task()
def run_dataset_export(
    aws: AwsSettings,
    dataset_arn: str,
    output_uri: str,
    role_arn: str,
    job_name: str,
    ingestion_mode: IngestionMode = "ALL",
    deadline_seconds: float | None = None,
) -> str:
    """The ARN of the finished (ACTIVE) export of the dataset's records to ``output_uri``."""
    personalize = client(aws, "personalize")
    run_logger().info("Exporting %s (%s) to %s", dataset_arn, ingestion_mode, output_uri)
    return run_named_job(
        personalize,
        KIND,
        job_name,
        dataset_arn,
        lambda: personalize.create_dataset_export_job(
            jobName=job_name,
            datasetArn=dataset_arn,
            ingestionMode=ingestion_mode,
            roleArn=role_arn,
            jobOutput={"s3DataDestination": {"path": output_uri}},
        ),
        deadline_seconds,
    )


def exported_table(output_uri: str, avro_schema: dict[str, Any] | str) -> pa.Table:
    """Every CSV record under the export folder, typed by the schema (columns in its order)."""
    record = json.loads(avro_schema) if isinstance(avro_schema, str) else avro_schema
    types = {f["name"]: _arrow_type(f["type"]) for f in record["fields"]}
    fs, root = fsspec.core.url_to_fs(output_uri)
    paths = sorted(p for p in fs.find(root) if p.lower().endswith(".csv"))
    if not paths:
        raise FileNotFoundError(f"the export wrote no CSV file under {output_uri}")
    tables = []
    for path in paths:
        with fs.open(path, "rb") as handle:
            tables.append(pacsv.read_csv(handle, convert_options=pacsv.ConvertOptions(
                column_types=types, strings_can_be_null=True,
                true_values=["true", "True"], false_values=["false", "False"])))  # fmt: skip
    table = pa.concat_tables(tables, promote_options="default")
    names = [name for name in types if name in table.column_names]
    return table.select(names)


def _arrow_type(avro_type: Any) -> pa.DataType:
    members = avro_type if isinstance(avro_type, list) else [avro_type]
    kind = next((m for m in members if m != "null"), "string")
    return _ARROW_TYPES.get(kind, pa.string())


def summarise(table: pa.Table) -> dict[str, Any]:
    """Rows, distinct users and items, and the time span (ISO dates) of exported records."""
    summary: dict[str, Any] = {"rows": table.num_rows}
    for column, label in (("USER_ID", "users"), ("ITEM_ID", "items")):
        if column in table.column_names:
            summary[label] = len(table[column].unique())
    if "TIMESTAMP" in table.column_names and table.num_rows:
        stamps = table["TIMESTAMP"].to_pandas()
        for label, value in (("first", stamps.min()), ("last", stamps.max())):
            summary[label] = datetime.fromtimestamp(int(value), UTC).isoformat(timespec="seconds")
    return summary


@personalize_task()
def export_to_parquet(output_uri: str, parquet_uri: str, avro_schema: str) -> dict[str, Any]:
    """Read an export's CSV back and write it as one Parquet file; its summary."""
    table = exported_table(output_uri, avro_schema)
    fs, path = fsspec.core.url_to_fs(parquet_uri)
    with fs.open(path, "wb") as handle:
        pq.write_table(table, handle)
    run_logger().info("Wrote %d exported rows to %s", table.num_rows, parquet_uri)
    return {**summarise(table), "parquet": parquet_uri}
