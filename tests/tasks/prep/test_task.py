"""The Prefect task runs against a real Prefect API and publishes the data report."""

from __future__ import annotations

from pathlib import Path
from uuid import uuid4

import pytest
from prefect import flow
from prefect.artifacts import Artifact

from tasks.prep.config import CleaningConfig, SourceConfig
from tasks.prep.errors import BelowMinimumsError
from tasks.prep.pipeline import PrepResult
from tasks.prep.task import prepare_dataset
from tests.tasks.prep.conftest import INTERACTIONS, MAPPING, interactions


@flow
def _prepare(source: SourceConfig, output_uri: str) -> PrepResult:
    return prepare_dataset(source, CleaningConfig(), INTERACTIONS, "interactions", output_uri)


@pytest.mark.slow
def test_task_publishes_the_data_report(prefect_api: None, tmp_path: Path) -> None:
    path = tmp_path / "events.parquet"
    interactions(1300).to_parquet(path)
    marker = uuid4().hex
    result = _prepare(SourceConfig(uri=str(path), columns=MAPPING), str(tmp_path / marker))
    assert result.rows_out == 1300
    artifact = Artifact.get("data-report-interactions")
    assert artifact is not None
    assert marker in str(artifact.data)
    assert "| Rows out | 1,300 |" in str(artifact.data)


@pytest.mark.slow
def test_task_publishes_the_report_when_data_is_below_minimums(
    prefect_api: None, tmp_path: Path
) -> None:
    path = tmp_path / "events.parquet"
    interactions(300).to_parquet(path)
    marker = uuid4().hex
    with pytest.raises(BelowMinimumsError):
        _prepare(SourceConfig(uri=str(path), columns=MAPPING), str(tmp_path / marker))
    artifact = Artifact.get("data-report-interactions")
    assert artifact is not None and marker in str(artifact.data)
    assert "**no**" in str(artifact.data)
