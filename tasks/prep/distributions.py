"""The data report's distributions: interactions per user and events per day, charted.

1. Interactions per user come merged as an exact histogram ``{interactions: users}``
   (``figures.py``); :func:`user_bins` groups it in doubling bins (1, 2, 3-4, 5-8, ...) so a
   long tail stays readable, empty bins kept so the shape is honest.
2. Events per day come merged as ``{day number: rows}`` per UTC day; :func:`day_counts` names
   the days (``YYYY-MM-DD``). :func:`periods` fills the days without rows with zeros (a gap in
   tracking shows as one) and, over ``MAX_PERIODS`` days, sums them per week, then per month.
3. :func:`sections` renders both as a small bar chart (``tasks.charts.bars``) and a table of
   the same figures, for the report's markdown.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta

from tasks.charts import bars, image

MAX_PERIODS = 62
"""Most bars (and table rows) for events over time: days, else weeks, else months."""


def user_bins(histogram: Mapping[int, int]) -> dict[str, int]:
    """Users per bin of interactions (1, 2, 3-4, 5-8, ...), from {interactions: users}."""
    if not histogram:
        return {}
    bins: dict[str, int] = {}
    low, high = 1, 1
    top = max(histogram)
    while low <= top:
        label = str(low) if low == high else f"{low}-{high}"
        bins[label] = sum(users for n, users in histogram.items() if low <= n <= high)
        low, high = high + 1, 2 * high
    return bins


def day_counts(per_day: Mapping[int, int]) -> dict[str, int]:
    """{YYYY-MM-DD: rows}, oldest first, from {days since 1970-01-01: rows}."""
    epoch = date(1970, 1, 1)
    return {(epoch + timedelta(days=day)).isoformat(): per_day[day] for day in sorted(per_day)}


def periods(events_per_day: Mapping[str, int]) -> tuple[str, dict[str, int]]:
    """The period ("Day", "Week of", "Month") and rows per period, every period of the span."""
    if not events_per_day:
        return "Day", {}
    days = {date.fromisoformat(day): rows for day, rows in events_per_day.items()}
    first, last = min(days), max(days)
    span = [first + timedelta(days=i) for i in range((last - first).days + 1)]
    if len(span) <= MAX_PERIODS:
        return "Day", {day.isoformat(): days.get(day, 0) for day in span}
    weekly = (last - first).days // 7 + 1 <= MAX_PERIODS
    out: dict[str, int] = {}
    for day in span:
        start = day - timedelta(days=day.weekday()) if weekly else day.replace(day=1)
        label = start.isoformat() if weekly else start.isoformat()[:7]
        out[label] = out.get(label, 0) + days.get(day, 0)
    return ("Week of" if weekly else "Month"), out


def sections(
    per_user_bins: Mapping[str, int],
    events_per_day: Mapping[str, int],
    before_holdout: bool,
) -> list[str]:
    """Markdown lines: each distribution as a chart and a table (nothing for an empty one)."""
    lines: list[str] = []
    note = ["", "Counted before the gate's holdout was set aside."] if before_holdout else []
    if per_user_bins:
        svg = bars("Interactions per user", "users", per_user_bins)
        lines += ["", "## Interactions per user", *note, "", image(svg, "interactions per user")]
        lines += table(("Interactions", "Users"), per_user_bins)
    period, counts = periods(events_per_day)
    if counts:
        title = "Events per " + {"Day": "day", "Week of": "week", "Month": "month"}[period]
        svg = bars(f"{title} (UTC)", "events", counts)
        lines += ["", f"## {title}", *note, "", image(svg, title.lower())]
        lines += table((period, "Events"), counts)
    return lines


def table(header: tuple[str, str], values: Mapping[str, float]) -> list[str]:
    """Markdown lines of a two-column table, a row per ``{key: value}``."""
    rows = [f"| {key} | {value:,} |" for key, value in values.items()]
    return ["", f"| {header[0]} | {header[1]} |", "|---|---|", *rows]
