"""Metric attribution: which campaign (and version) or recommender an interaction came from,
and the metric reports written to S3.

1. Every recommendation answer carries a ``recommendationId`` shaped as AWS's are
   (``RID-<25 characters>-CID-<6 hex>``, 40 characters, the most PutEvents accepts): the
   ``CID`` part is a short code of the campaign and the solution version it served, or of the
   recommender, so that an event sent back with it can be attributed without any lookup table.
2. An interaction's source is its ``EVENT_ATTRIBUTION_SOURCE`` when given (it wins, as the
   developer guide says), else the campaign or recommender its ``RECOMMENDATION_ID`` names, else
   ``SOURCE_NAME_UNDEFINED``.
3. A report aggregates, per 15-minute window of the interactions' TIMESTAMP, per source and per
   metric, the metric's expression over the interactions of its event type: ``SAMPLECOUNT()``,
   ``SUM(Interactions.EVENT_VALUE)`` or ``SUM(Items.<column>)`` (joined on ITEM_ID).
"""

from __future__ import annotations

import hashlib
import re
import uuid
from collections.abc import Mapping, Sequence
from functools import lru_cache
from typing import Any

import numpy as np
import pandas as pd

WINDOW_SECONDS = 900
UNDEFINED = "SOURCE_NAME_UNDEFINED"
_EXPRESSION = re.compile(
    r"^\s*(?:SAMPLECOUNT\(\s*\)|SUM\(\s*(Interactions|Items)\.(\w+)\s*\))\s*$", re.I
)
_CODE = re.compile(r"-CID-([0-9a-f]{6})$")


@lru_cache(maxsize=1024)
def source_code(source_arn: str, version_arn: str) -> str:
    """The 6-hex code of a campaign serving a version (or of a recommender)."""
    return hashlib.sha1(f"{source_arn}|{version_arn}".encode()).hexdigest()[:6]


def recommendation_id(source_arn: str, version_arn: str) -> str:
    """A new recommendationId naming its source, 40 characters like AWS's."""
    return f"RID-{str(uuid.uuid4())[11:]}-CID-{source_code(source_arn, version_arn)}"


def code_of(recommendation: str) -> str | None:
    """The source code inside a recommendationId, if it carries one."""
    match = _CODE.search(recommendation.strip())
    return match.group(1) if match else None


def check_expression(expression: str) -> None:
    """Raise ValueError unless the expression is SAMPLECOUNT() or SUM(Interactions|Items.col)."""
    if not _EXPRESSION.match(expression):
        raise ValueError(
            f"expression {expression!r} is not SAMPLECOUNT() or SUM(Items.<column>) / "
            "SUM(Interactions.<column>), e.g. SUM(Items.PRICE)"
        )


def report(
    interactions: pd.DataFrame,
    items: pd.DataFrame | None,
    metrics: Sequence[Mapping[str, str]],
    sources: Mapping[str, tuple[str, str | None]],
) -> list[dict[str, Any]]:
    """The report rows: window start, source (and version), metric, event type, value.

    ``sources`` maps a recommendationId code to (campaign or recommender ARN, version or None).
    """
    if interactions.empty:
        return []
    frame = interactions.copy()
    resolved = _sources(frame, sources)
    frame["SOURCE"], frame["VERSION"] = resolved[0], resolved[1]
    frame["WINDOW"] = (frame["TIMESTAMP"].astype(np.int64) // WINDOW_SECONDS) * WINDOW_SECONDS
    rows: list[dict[str, Any]] = []
    for metric in metrics:
        chosen = frame[frame.get("EVENT_TYPE", pd.Series(dtype=str)) == metric["eventType"]]
        values = _values(chosen, items, metric["expression"])
        grouped = values.groupby(
            [chosen["WINDOW"], chosen["SOURCE"], chosen["VERSION"].fillna("")], sort=True
        ).sum()
        for (window, source, version), value in grouped.items():
            rows.append(
                {
                    "windowStart": int(window),
                    "eventAttributionSource": source,
                    "solutionVersionArn": version or None,
                    "metricName": metric["metricName"],
                    "eventType": metric["eventType"],
                    "value": round(float(value), 6),
                }
            )
    return rows


def _sources(
    frame: pd.DataFrame, sources: Mapping[str, tuple[str, str | None]]
) -> tuple[pd.Series, pd.Series]:
    given = _column(frame, "EVENT_ATTRIBUTION_SOURCE")
    codes = _column(frame, "RECOMMENDATION_ID").map(lambda r: code_of(r) if r else None)
    named = codes.map(lambda c: sources.get(c, (None, None))[0] if c else None)
    version = codes.map(lambda c: sources.get(c, (None, None))[1] if c else None)
    source = given.where(given.astype(bool), named.fillna(UNDEFINED))
    return source, version.where(~given.astype(bool), None)


def _column(frame: pd.DataFrame, name: str) -> pd.Series:
    if name not in frame:
        return pd.Series([""] * len(frame), index=frame.index, dtype=object)
    return frame[name].fillna("").astype(str)


def _values(rows: pd.DataFrame, items: pd.DataFrame | None, expression: str) -> pd.Series:
    match = _EXPRESSION.match(expression)
    assert match is not None
    dataset, column = match.group(1), match.group(2)
    if dataset is None:
        return pd.Series(1.0, index=rows.index)
    if dataset.upper() == "INTERACTIONS":
        source = rows[column.upper()] if column.upper() in rows else pd.Series(0.0, rows.index)
        return pd.to_numeric(source, errors="coerce").fillna(0.0)
    if items is None or column.upper() not in {c.upper() for c in items.columns}:
        return pd.Series(0.0, index=rows.index)
    name = next(c for c in items.columns if c.upper() == column.upper())
    prices = pd.to_numeric(items.set_index(items["ITEM_ID"].astype(str))[name], errors="coerce")
    mapped = rows["ITEM_ID"].astype(str).map(prices.groupby(level=0).first())
    return mapped.fillna(0.0)
