"""``export_dataset``: a dataset's records out of Personalize, as CSV and as Parquet.

1. The dataset is one of the configuration's (interactions, items or users) and must exist.
   A dataset export job writes its BULK, PUT or ALL records as CSV under a folder of its own
   (``s3://<bucket>/exports/<group>/<dataset>/<run>/`` by default); a rerun of the same run
   attaches to its job.
2. The CSV is read back, typed by the dataset's live schema, and written as one Parquet file
   beside it (``<dataset>.parquet``): a backup, and the input of offline analysis.
3. A summary artifact gives the rows, users, items and time span it holds.
"""

from __future__ import annotations

import uuid
from typing import Any

from prefect import flow
from prefect.artifacts import create_table_artifact
from prefect.runtime import flow_run
from pydantic import Field

from flows.configured import DEFAULT_CONFIG
from tasks.config import DatasetType, load_config
from tasks.dataset_exports import IngestionMode, export_to_parquet, run_dataset_export
from tasks.dataset_updates import live_dataset
from tasks.reporting import artifact_key
from tasks.resources import find_arn


@flow(name="export-dataset", log_prints=True)
def export_dataset(
    config_path: str = Field(DEFAULT_CONFIG, description="The pipeline configuration (YAML)."),
    dataset: DatasetType = Field("interactions", description="Which dataset to export."),
    ingestion_mode: IngestionMode = Field(
        "ALL",
        description="BULK: what import jobs brought; PUT: what was put one by one (PutEvents, "
        "PutItems, PutUsers); ALL: both.",
    ),
    output_uri: str | None = Field(
        None, description="s3:// folder for the export; default s3://<bucket>/exports/..."
    ),
) -> dict[str, Any]:
    """Export a dataset's records to S3 as CSV, then as Parquet beside it, with a summary."""
    config = load_config(config_path)
    if dataset not in config.datasets.configured():
        known = ", ".join(config.datasets.configured())
        raise ValueError(f"dataset {dataset!r} is not in the configuration (it has: {known})")
    group = find_arn(config.aws, "dataset-group", config.dataset_group.name)
    live = live_dataset(config.aws, group, dataset) if group else {}
    if not live:
        raise ValueError(
            f"the {dataset} dataset of {config.dataset_group.name} does not exist: run provision "
            "(and an import) first"
        )
    run = str(flow_run.get_id() or uuid.uuid4())
    group_name = config.dataset_group.name
    folder = output_uri or f"s3://{config.bucket}/exports/{group_name}/{dataset}/{run}/"
    folder = folder.rstrip("/") + "/"
    job = run_dataset_export(config.aws, live["datasetArn"], folder, config.role_arn,
                         f"export-{dataset}-{run}"[:63], ingestion_mode)  # fmt: skip
    summary = export_to_parquet(folder, f"{folder}{dataset}.parquet", live["schema"])
    result = {"dataset": dataset, "ingestion_mode": ingestion_mode, "export_job": job,
              "csv": folder, **summary}  # fmt: skip
    create_table_artifact(
        [{"measure": key, "value": str(value)} for key, value in result.items()],
        key=artifact_key("export", group_name, dataset),
        description=f"Export of the {dataset} dataset of {group_name}: `{summary['parquet']}`",
    )
    return result
