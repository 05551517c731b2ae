"""The metrics history: verdicts tagged on versions, read back from the service, charted."""

from __future__ import annotations

import base64
import re
import xml.etree.ElementTree as ElementTree
from datetime import UTC, datetime

from prefect import get_client
from prefect.client.schemas.filters import ArtifactCollectionFilter, ArtifactCollectionFilterKey

from tasks.charts import Point, panels
from tasks.history import (
    Decided,
    VersionRecord,
    history_key,
    history_markdown,
    metrics_history,
    publish_metrics_history,
    record_outcome,
)
from tests.tasks.conftest import Trained


def test_verdicts_tagged_on_versions_come_back_with_their_metrics(trained: Trained) -> None:
    first, second = trained.versions
    record_outcome(trained.aws, first, "promoted", True, Decided(0.01, -0.02, 0.04, 0.03, 800))
    record_outcome(trained.aws, second, "stopped by the gate", False)

    records = metrics_history(trained.aws, trained.solution)

    assert [r.version for r in records] == [first, second]  # oldest first
    assert [(r.outcome, r.gate) for r in records] == [
        ("promoted", "passed"),
        ("stopped by the gate", "stopped"),
    ]
    assert all(0 < r.metrics["coverage"] <= 1 for r in records)
    assert [r.holdout for r in records] == [Decided(0.01, -0.02, 0.04, 0.03, 800), None]

    publish_metrics_history(trained.aws, "tr-history", trained.solution)
    key = history_key("tr-history")
    with get_client(sync_client=True) as client:
        (latest,) = client.read_latest_artifacts(  # by key: the session's API holds many
            artifact_filter=ArtifactCollectionFilter(key=ArtifactCollectionFilterKey(any_=[key]))
        )
    published = str(latest.data)
    assert published == history_markdown("tr-history", records)


def test_the_markdown_holds_a_valid_svg_chart_and_a_row_per_version() -> None:
    records = [
        VersionRecord("arn:v/a1", datetime(2026, 1, d, tzinfo=UTC), "FULL", metrics(d), o, g)
        for d, o, g in ((1, "promoted", "passed"), (8, "stopped by the gate", "stopped"))
    ]
    text = history_markdown("shop", records)
    encoded = re.search(r"data:image/svg\+xml;base64,([A-Za-z0-9+/=]+)\)", text)
    assert encoded is not None
    svg = ElementTree.fromstring(base64.b64decode(encoded.group(1)))
    circles = svg.findall(".//{http://www.w3.org/2000/svg}circle")
    assert len(circles) == 2 * 4  # two versions in each of the four charted metrics
    assert {c.get("fill") for c in circles} == {"#2e7d32", "#c62828"}
    row = "| 2026-01-01 00:00 | `a1` | FULL | 0.1100 | 0.0500 | 0.2100 | 0.5000 | n/a | passed |"
    assert row in text
    assert "| ndcg@10 | p@10 | mrr@25 | coverage | holdout new/serving - 1 |" in text


def svgs(text: str) -> list[ElementTree.Element]:
    """Every chart of a markdown text, parsed."""
    found = re.findall(r"data:image/svg\+xml;base64,([A-Za-z0-9+/=]+)\)", text)
    return [ElementTree.fromstring(base64.b64decode(chart)) for chart in found]


def test_the_history_charts_what_decided_against_the_max_drop_line() -> None:
    decided = [Decided(-0.01, -0.02, 0.0, 0.03, 900), Decided(-0.08, -0.12, -0.05, 0.03, 900)]
    records = [
        VersionRecord("arn:v/a1", datetime(2026, 1, 1, tzinfo=UTC), "FULL", metrics(1), "promoted", "passed", decided[0]),
        VersionRecord("arn:v/a2", datetime(2026, 1, 8, tzinfo=UTC), "FULL", metrics(8), "stopped by the gate", "stopped", decided[1]),
    ]  # fmt: skip

    text = history_markdown("shop", records)

    first, metrics_chart = svgs(text)
    texts = [t.text for t in first.iter("{http://www.w3.org/2000/svg}text")]
    assert "what the gate decided" in texts[0] and "-3%" in texts and "0" in texts
    lines = first.findall(".//{http://www.w3.org/2000/svg}line")
    assert any(line.get("stroke-dasharray") for line in lines)  # the -max_drop line
    assert len([line for line in lines if line.get("x1") == line.get("x2")]) == 2  # intervals
    assert "-8.0% [-12.0%, -5.0%]" in text
    # Every GetSolutionMetrics panel's axis starts at zero: small moves look small.
    labels = [t.text for t in metrics_chart.iter("{http://www.w3.org/2000/svg}text")]
    assert labels.count("0") == 4


def test_a_panel_of_equal_values_is_still_drawn() -> None:
    svg = panels("flat", {"coverage": [Point(0.5), Point(0.5)]}, ["a", "b"])
    assert "nan" not in svg and ElementTree.fromstring(svg) is not None


def metrics(day: int) -> dict[str, float]:
    return {
        "normalized_discounted_cumulative_gain_at_10": 0.1 + day / 100,
        "precision_at_10": 0.05,
        "mean_reciprocal_rank_at_25": 0.2 + day / 100,
        "coverage": 0.5,
    }
