"""The Prefect task runs against a real Prefect API and publishes the data report."""

from __future__ import annotations

import base64
import re
import xml.etree.ElementTree as ElementTree
from pathlib import Path
from uuid import uuid4

import pandas as pd
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


DAY = 1_699_920_000  # 2023-11-14T00:00:00Z
SVG = "{http://www.w3.org/2000/svg}"


def known_events() -> pd.DataFrame:
    """25 users with 2 events and 4 with 40 on 2023-11-14, one with 800 on 2023-11-16."""
    counts = {**{f"u{i:02d}": 2 for i in range(25)}, **{f"h{i}": 40 for i in range(4)}}
    rows = [(user, DAY + 60 * k) for user, n in counts.items() for k in range(n)]
    rows += [("big", DAY + 2 * 86_400 + 60 * k) for k in range(800)]
    users, seconds = zip(*rows, strict=True)
    return pd.DataFrame(
        {
            "user_id": users,
            "sku": [f"sku-{k % 50}" for k in range(len(rows))],
            "ts": [s * 1000 for s in seconds],
            "event": "click",
        }
    )


def bars_of(markdown: str, alt: str) -> dict[str, tuple[str, float]]:
    """{label: (value as shown, bar height)} of the chart whose image is named ``alt``."""
    encoded = re.search(rf"!\[{alt}\]\(data:image/svg\+xml;base64,([A-Za-z0-9+/=]+)\)", markdown)
    assert encoded is not None, f"no chart {alt!r} in the report"
    svg = ElementTree.fromstring(base64.b64decode(encoded.group(1)))
    out = {}
    for rect in svg.iter(f"{SVG}rect"):
        title = rect.find(f"{SVG}title")
        if title is not None and title.text:
            label, _, value = title.text.rpartition(": ")
            out[label] = (value, float(rect.get("height", "nan")))
    return out


@pytest.mark.slow
def test_the_report_charts_interactions_per_user_and_events_per_day(
    prefect_api: None, tmp_path: Path
) -> None:
    path = tmp_path / "events.parquet"
    known_events().to_parquet(path)
    marker = uuid4().hex
    _prepare(SourceConfig(uri=str(path), columns=MAPPING), str(tmp_path / marker))
    artifact = Artifact.get("data-report-interactions")
    assert artifact is not None and marker in str(artifact.data)
    text = str(artifact.data)

    per_user = bars_of(text, "interactions per user")
    assert {label: value for label, (value, _) in per_user.items()} == {
        "1": "0", "2": "25", "3-4": "0", "5-8": "0", "9-16": "0", "17-32": "0", "33-64": "4",
        "65-128": "0", "129-256": "0", "257-512": "0", "513-1024": "1",
    }  # fmt: skip
    assert per_user["2"][1] > per_user["33-64"][1] > per_user["513-1024"][1] > 0
    assert per_user["1"][1] == 0
    assert "| 2 | 25 |" in text and "| 33-64 | 4 |" in text and "| 513-1024 | 1 |" in text

    per_day = bars_of(text, "events per day")
    assert {label: value for label, (value, _) in per_day.items()} == {
        "2023-11-14": "210", "2023-11-15": "0", "2023-11-16": "800"
    }  # fmt: skip
    assert per_day["2023-11-14"][1] == pytest.approx(per_day["2023-11-16"][1] * 210 / 800, abs=0.1)
    assert "| 2023-11-14 | 210 |" in text and "| 2023-11-15 | 0 |" in text
    assert "| 2023-11-16 | 800 |" in text
