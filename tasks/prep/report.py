"""The data report: what came in, what went out and why, and how it moved since the last run.

``DataReport`` is plain data (kept as JSON next to the output, so the next run can show the
drift) with a ``markdown()`` rendering for the Prefect artifact.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import fsspec
import numpy as np
from pydantic import BaseModel, Field

from tasks.prep.distributions import day_counts, sections, table, user_bins

QUANTILES = (0.0, 0.25, 0.5, 0.75, 0.9, 0.99, 1.0)
SAMPLE_USERS = 5


class Check(BaseModel):
    """One of Personalize's rules, with what it requires and what the data has."""

    rule: str
    required: str
    found: str
    ok: bool


class Drift(BaseModel):
    """One figure now and in the previous run's report."""

    metric: str
    previous: float
    current: float

    @property
    def change(self) -> str:
        """The change, absolute and relative."""
        delta = self.current - self.previous
        relative = f" ({delta / self.previous:+.1%})" if self.previous else ""
        return f"{delta:+,.0f}{relative}" if delta == int(delta) else f"{delta:+,.2f}{relative}"


class DataReport(BaseModel):
    """Figures of one preparation run."""

    dataset_type: str
    source_uri: str
    import_uri: str
    rejects_uri: str
    prepared_at: str = Field(
        default_factory=lambda: datetime.now(UTC).isoformat(timespec="seconds")
    )
    rows_in: int = 0
    rows_rejected: int = 0
    rejects_by_reason: dict[str, int] = Field(default_factory=dict)
    removed_by_rule: dict[str, int] = Field(default_factory=dict)
    rows_out: int = 0
    users: int | None = None
    items: int | None = None
    users_with_2_or_more: int | None = None
    sample_users: list[str] = Field(
        default_factory=list,
        description="A few users of the prepared rows (the smoke check asks them): those with "
        "the smallest id hashes, so the same whatever the partitioning.",
    )
    event_types: dict[str, int] = Field(default_factory=dict)
    time_start: int | None = Field(default=None, description="Earliest TIMESTAMP, epoch seconds.")
    time_end: int | None = Field(default=None, description="Latest TIMESTAMP, epoch seconds.")
    holdout_cutoff: int | None = Field(
        default=None, description="The gate's holdout: interactions after this were set aside."
    )
    interactions_per_user: dict[str, float] = Field(default_factory=dict)
    interactions_per_user_bins: dict[str, int] = Field(
        default_factory=dict, description="Users per bin of interactions: 1, 2, 3-4, 5-8, ..."
    )
    events_per_day: dict[str, int] = Field(
        default_factory=dict,
        description="Rows per UTC day of TIMESTAMP (YYYY-MM-DD), oldest first; days without "
        "rows left out.",
    )
    timestamp_reading: str = ""
    checks: list[Check] = Field(default_factory=list)
    drift: list[Drift] = Field(default_factory=list)
    earlier_rows: int | None = Field(
        default=None, description="Rows the dataset held before this import."
    )
    notes: list[str] = Field(default_factory=list)
    data_checks: list[dict[str, str]] = Field(
        default_factory=list,
        description="The export against the accepted data: a row per figure (drift.py).",
    )

    @property
    def span_days(self) -> float | None:
        """Days between the earliest and the latest interaction."""
        if self.time_start is None or self.time_end is None:
            return None
        return round((self.time_end - self.time_start) / 86400, 2)

    def set_per_user(self, histogram: dict[int, int]) -> None:
        """Users, users with 2+ interactions, and quantiles, from {interactions: users}."""
        values = np.array(sorted(histogram), np.int64)
        users = np.array([histogram[v] for v in values], np.int64)
        self.users = int(users.sum())
        self.users_with_2_or_more = int(users[values >= 2].sum())
        self.interactions_per_user_bins = user_bins(histogram)
        if self.users:
            self.interactions_per_user = {
                _quantile_name(q): round(float(v), 2)
                for q, v in zip(QUANTILES, weighted_quantiles(values, users), strict=True)
            }

    def set_per_day(self, per_day: dict[int, int]) -> None:
        """Rows per UTC day, from {days since 1970-01-01: rows}."""
        self.events_per_day = day_counts(per_day)

    def compare(self, previous: DataReport | None) -> None:
        """Record the change in rows, users, items and time span since ``previous``."""
        if previous is None:
            return
        pairs = {
            "rows out": (previous.rows_out, self.rows_out),
            "users": (previous.users, self.users),
            "items": (previous.items, self.items),
            "time span (days)": (previous.span_days, self.span_days),
            "latest timestamp": (previous.time_end, self.time_end),
        }
        self.drift = [
            Drift(metric=name, previous=before, current=now)
            for name, (before, now) in pairs.items()
            if before is not None and now is not None
        ]

    def markdown(self) -> str:
        """The report as markdown tables, for a Prefect artifact."""
        lines = [
            f"# Data report: {self.dataset_type.lower()}",
            "",
            f"Prepared {self.prepared_at}:",
            "",
            f"- source: `{self.source_uri}`",
            f"- import file: `{self.import_uri}`",
            f"- rejects: `{self.rejects_uri}`",
            "",
            "| Figure | Value |",
            "|---|---|",
            f"| Rows in | {self.rows_in:,} |",
            f"| Rows rejected (bad data) | {self.rows_rejected:,} |",
            f"| Rows removed by cleaning | {sum(self.removed_by_rule.values()):,} |",
            f"| Rows out | {self.rows_out:,} |",
        ]
        if self.earlier_rows is not None:
            lines.append(f"| Rows the dataset held before | {self.earlier_rows:,} |")
        for label, value in (
            ("Users", self.users),
            ("Users with 2+ interactions", self.users_with_2_or_more),
            ("Items", self.items),
        ):
            if value is not None:
                lines.append(f"| {label} | {value:,} |")
        if self.time_start is not None and self.time_end is not None:
            lines.append(
                f"| Time span | {_iso(self.time_start)} to {_iso(self.time_end)} "
                f"({self.span_days} days) |"
            )
        lines.append(f"| Timestamps read as | {self.timestamp_reading} |")
        if self.notes:
            lines += ["", *(f"- {note}" for note in self.notes)]
        lines += _table("Rejects by reason", ("Reason", "Rows"), self.rejects_by_reason)
        lines += _table("Removed by cleaning rule", ("Rule", "Rows"), self.removed_by_rule)
        lines += _table("Event types", ("Event type", "Rows"), self.event_types)
        lines += sections(
            self.interactions_per_user_bins, self.events_per_day, self.holdout_cutoff is not None
        )
        lines += _table(
            "Interactions per user: quantiles",
            ("Quantile", "Interactions"),
            self.interactions_per_user,
        )
        if self.checks:
            lines += ["", "## Personalize checks", "", "| Rule | Required | Found | OK |"]
            lines.append("|---|---|---|---|")
            lines += [
                f"| {c.rule} | {c.required} | {c.found} | {'yes' if c.ok else '**no**'} |"
                for c in self.checks
            ]
        if self.drift:
            lines += ["", "## Change since the previous run", ""]
            lines += ["| Figure | Previous | Now | Change |", "|---|---|---|---|"]
            lines += [
                f"| {d.metric} | {d.previous:,.2f} | {d.current:,.2f} | {d.change} |"
                for d in self.drift
            ]
        return "\n".join(lines) + "\n"


def _table(
    title: str, header: tuple[str, str], values: dict[str, int] | dict[str, float]
) -> list[str]:
    return ["", f"## {title}", *table(header, values)] if values else []


def weighted_quantiles(values: np.ndarray, weights: np.ndarray) -> list[float]:
    """``np.quantile`` (linear) of ``values`` each repeated ``weights`` times, at QUANTILES."""
    ends = np.cumsum(weights)  # the sorted ranks 0..ends[i]-1 hold values[i]
    out = []
    for q in QUANTILES:
        position = q * (ends[-1] - 1)
        low, high = int(np.floor(position)), int(np.ceil(position))
        at_low = values[np.searchsorted(ends, low, side="right")]
        at_high = values[np.searchsorted(ends, high, side="right")]
        out.append(float(at_low + (at_high - at_low) * (position - low)))
    return out


def _quantile_name(q: float) -> str:
    return {0.0: "min", 0.5: "median", 1.0: "max"}.get(q, f"p{round(q * 100)}")


def _iso(seconds: int) -> str:
    return datetime.fromtimestamp(seconds, UTC).isoformat(timespec="seconds")


def report_uri(import_uri: str) -> str:
    """The data report data preparation wrote beside an import folder (or file)."""
    stem = import_uri.rstrip("/")
    stem = stem[: -len(".csv")] if stem.endswith(".csv") else stem
    return f"{stem}.report.json"


def data_report(import_uri: str) -> dict[str, Any] | None:
    """The data report beside an import file, None when there is none."""
    try:
        with fsspec.open(report_uri(import_uri), "r") as handle:
            return dict(json.load(handle))
    except (OSError, ValueError):
        return None
