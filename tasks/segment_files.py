"""The files around a batch segment job: its JSON-lines input, and its output as a table.

Personalize reads one query per line (``{"itemId": "105"}`` for Item-Affinity,
``{"itemAttributes": "ITEMS.GENRES = \\"Comedy\\""}`` for Item-Attribute-Affinity) and writes one
line back per query, ``{"input": {"itemId": ...}, "output": {"recommendedUsers": [...]}}`` or
``{"itemAttributes": ..., "output": {"recommendedUsers": [...]}}``, into files named after the
input with ``.out`` appended. Plain pandas and fsspec, like :mod:`tasks.batch_files`.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass

import fsspec
import pandas as pd


def segment_input(queries: Sequence[str], by_attributes: bool) -> str:
    """The job's input file: one item id, or one attribute expression, per line."""
    key = "itemAttributes" if by_attributes else "itemId"
    if not queries:
        raise ValueError(f"no {key} to segment users for")
    return "".join(json.dumps({key: str(query)}) + "\n" for query in queries)


def read_segments(output_prefix: str) -> pd.DataFrame:
    """Every ``*.out`` file under the output prefix as rows (query, rank, user, error).

    A query with no users (or an error) keeps one row with rank 0 and no user.
    """
    fs, root = fsspec.core.url_to_fs(output_prefix)
    rows: list[dict[str, object]] = []
    for path in sorted(fs.find(root)):
        if path.endswith(".out"):
            with fs.open(path, "r") as handle:
                rows += [row for line in handle if line.strip() for row in _rows(json.loads(line))]
    frame = pd.DataFrame(rows, columns=["query", "rank", "user", "error"])
    return frame.astype({"query": "string", "rank": "int32", "user": "string", "error": "string"})


def _rows(record: dict[str, object]) -> list[dict[str, object]]:
    query = record.get("itemAttributes") or dict(record.get("input") or {}).get("itemId")  # type: ignore[call-overload]
    users = list(dict(record.get("output") or {}).get("recommendedUsers") or [])  # type: ignore[call-overload]
    if not users:
        return [{"query": str(query), "rank": 0, "user": None, "error": record.get("error")}]
    return [
        {"query": str(query), "rank": rank, "user": str(user), "error": None}
        for rank, user in enumerate(users, start=1)
    ]


@dataclass(frozen=True)
class SegmentSummary:
    """What a batch segment job produced, for its artifact."""

    segments: int
    empty_segments: int
    errors: int
    users_per_segment: float
    distinct_users: int
    users_in_several_segments: int

    def as_dict(self) -> dict[str, float | int]:
        """The summary as plain data."""
        return asdict(self)


def summarise_segments(segments: pd.DataFrame) -> SegmentSummary:
    """Segments made, those left empty (and why), and how much the segments overlap."""
    filled = segments[segments["rank"] > 0]
    sizes = filled.groupby("query").size()
    per_user = filled.groupby("user")["query"].nunique()
    queries = segments["query"].nunique()
    return SegmentSummary(
        segments=int(queries),
        empty_segments=int(queries - len(sizes)),
        errors=int(segments["error"].notna().sum()),
        users_per_segment=round(float(sizes.mean()), 2) if len(sizes) else 0.0,
        distinct_users=len(per_user),
        users_in_several_segments=int((per_user > 1).sum()),
    )
