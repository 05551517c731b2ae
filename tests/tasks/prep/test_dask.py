"""The same preparation in one process and on a 2-worker local Dask cluster, through Prefect."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from prefect import flow
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey
from prefect.client.schemas.sorting import ArtifactSort

from tasks.prep.config import PrepRunConfig, SourceConfig
from tasks.prep.import_folder import import_parts
from tasks.prep.pipeline import PrepResult
from tasks.prep.task import prepare_dataset
from tests.tasks.prep.conftest import INTERACTIONS
from tests.tasks.prep.equivalence import CLEANING, assert_same, write_source

DASK = PrepRunConfig(runner="dask", dask_workers=2, partitions=4)


@flow
def _prepare(source: SourceConfig, output_uri: str, run: PrepRunConfig) -> PrepResult:
    return prepare_dataset(source, CLEANING, INTERACTIONS, "interactions", output_uri, run=run)


@pytest.mark.slow
def test_a_local_dask_cluster_gives_what_one_process_gives(
    prefect_api: None, tmp_path: Path
) -> None:
    source = write_source(tmp_path / "raw")
    started = datetime.now(UTC)
    here = _prepare(source, str(tmp_path / "process" / "out"), PrepRunConfig())
    there = _prepare(source, str(tmp_path / "dask" / "out"), DASK)
    assert_same(here, there)
    assert len(import_parts(there.import_uri)) == 4
    # Every job of the Dask run is listed, with its worker, in the subflow's jobs artifact.
    with get_client(sync_client=True) as client:
        artifacts = client.read_artifacts(
            artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=["prep-jobs-interactions"])),
            sort=ArtifactSort.CREATED_DESC,
            limit=1,
        )
    rows = json.loads(str(artifacts[0].data))
    assert artifacts[0].created is not None and artifacts[0].created >= started
    assert [row["job"] for row in rows if "-partition-" in row["job"]] == [
        f"{step}-{p}" for step in ("plan-partition", "write-partition") for p in range(4)
    ]
    assert {row["worker"] for row in rows} == {"0", "1"}
