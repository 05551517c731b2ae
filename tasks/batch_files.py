"""The files around a batch inference job: its JSON-lines input, and its output as a table.

Personalize reads one JSON object per line (``{"userId": "u1"}``) and writes one per line back
(``{"input": {...}, "output": {"recommendedItems": [...], "scores": [...]}, "error": null}``)
into files named after the input with ``.out`` appended. These helpers are plain pandas and
fsspec (local paths or ``s3://`` through s3fs), so the flow stays short and they are easy to test.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass

import fsspec
import pandas as pd

SECONDS_PER_DAY = 86_400


def select_users(
    interactions: pd.DataFrame,
    users: Sequence[str] | None = None,
    active_days: int | None = None,
) -> list[str]:
    """The users to recommend for, sorted: a given list, the active ones, or everyone.

    ``users`` wins when given (an empty list is an error). ``active_days`` keeps the users with
    an interaction in the last N days of the data (counted back from its latest TIMESTAMP, so
    an old export still has "recent" users). Otherwise every user in ``interactions``.
    """
    if users is not None:
        chosen = sorted({str(user) for user in users})
        if not chosen:
            raise ValueError("users: the list is empty; give user ids or leave it unset")
        return chosen
    if interactions.empty:
        raise ValueError("no interactions to choose users from; import interactions first")
    if active_days is not None:
        if active_days <= 0:
            raise ValueError(f"active_days must be a positive number of days, not {active_days}")
        since = int(interactions["TIMESTAMP"].max()) - active_days * SECONDS_PER_DAY
        interactions = interactions[interactions["TIMESTAMP"] > since]
    return sorted(interactions["USER_ID"].astype(str).unique())


def input_lines(users: Iterable[str]) -> str:
    """The batch job's input file: one ``{"userId": ...}`` per line."""
    frame = pd.DataFrame({"userId": list(users)})
    return str(frame.to_json(orient="records", lines=True))


def write_text(uri: str, text: str) -> None:
    """Write a text file to a local path or an s3:// URI."""
    with fsspec.open(uri, "w") as handle:
        handle.write(text)


def read_output(output_prefix: str) -> pd.DataFrame:
    """Every ``*.out`` file under the job's output prefix, as rows (user, rank, item, score).

    A user with no recommendations (or an error) keeps one row with rank 0 and no item, so
    that empty results can be counted.
    """
    fs, root = fsspec.core.url_to_fs(output_prefix)
    rows: list[dict[str, object]] = []
    for path in sorted(fs.find(root)):
        if not path.endswith(".out"):
            continue
        with fs.open(path, "r") as handle:
            for line in handle:
                if line.strip():
                    rows.extend(_rows(json.loads(line)))
    frame = pd.DataFrame(rows, columns=["user", "rank", "item", "score"])
    return frame.astype({"user": "string", "rank": "int32", "item": "string", "score": "float64"})


def _rows(record: dict[str, object]) -> list[dict[str, object]]:
    user = str(dict(record.get("input") or {}).get("userId", ""))  # type: ignore[call-overload]
    output = dict(record.get("output") or {})  # type: ignore[call-overload]
    items = list(output.get("recommendedItems") or [])
    scores = list(output.get("scores") or [None] * len(items))
    if not items:
        return [{"user": user, "rank": 0, "item": None, "score": None}]
    return [
        {"user": user, "rank": rank, "item": str(item), "score": score}
        for rank, (item, score) in enumerate(zip(items, scores, strict=False), start=1)
    ]


@dataclass(frozen=True)
class BatchSummary:
    """What a batch job produced, for its artifact."""

    users: int
    users_requested: int
    empty_results: int
    items_recommended: int
    catalogue_size: int
    catalogue_coverage: float
    rows: int

    def as_dict(self) -> dict[str, float | int]:
        """The summary as plain data."""
        return asdict(self)


def summarise(
    recommendations: pd.DataFrame, requested: Sequence[str], catalogue: Sequence[str]
) -> BatchSummary:
    """Users served, users with empty results (including those missing from the output), and
    the share of the catalogue that appears in at least one list."""
    served = recommendations[recommendations["rank"] > 0]
    users_out = set(recommendations["user"].astype(str))
    empty = len(set(requested) - set(served["user"].astype(str)))
    distinct = set(served["item"].astype(str))
    catalogue_set = set(map(str, catalogue))
    coverage = len(distinct & catalogue_set) / len(catalogue_set) if catalogue_set else 0.0
    return BatchSummary(
        users=len(users_out),
        users_requested=len(set(requested)),
        empty_results=empty,
        items_recommended=len(distinct),
        catalogue_size=len(catalogue_set),
        catalogue_coverage=round(coverage, 4),
        rows=len(served),
    )
