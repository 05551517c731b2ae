"""Each export checked against the accepted data, before anything is imported.

The accepted data of a dataset is what the serving version trained on: the import locations
the flow passes (``flows.imports.accepted_imports``), each with the data report preparation
wrote beside it and the gate's holdout set aside beside it (part of that export all the same).

1. The export's import folder is tallied before its own holdout is set aside (``profile.py``),
   then the accepted files, with a window of their newest days as long as the export's new part
   (FULL: what it holds after the accepted data's newest row; INCREMENTAL: the whole export).
2. Like is compared with like: a FULL export with the whole accepted data, an INCREMENTAL one
   with the accepted data's window. New users (items) are the share the accepted data does not
   know among those active in the new part; the accepted figure is its window's turnover (the
   share first seen in that window). The duplicate share comes from the data reports (duplicates
   were never imported).
3. Each figure is a row (figure, accepted, new, change, limit, verdict); a move beyond its limit
   (``DataChecks``) stops the run with :class:`DataDriftError` naming the figure and the
   setting. An INCREMENTAL export older than the accepted data is flagged, not stopped.

Distances follow TensorFlow Data Validation's drift comparators: L-infinity for the categorical
event-type mix, Jensen-Shannon divergence for the numeric interactions-per-user distribution
(``scipy.spatial.distance.jensenshannon`` squared, written with numpy: scipy is the local
service's dependency, not the pipeline's). TFDV and Evidently compute them on in-memory columns
(TFDV with TensorFlow and Beam); here the inputs are streamed tallies over files that need not
fit in memory, so the two distances are a few lines each on those tallies.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any, Literal, NamedTuple

import fsspec
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv
from pydantic import BaseModel

from tasks.prep.cleaning import SECONDS_PER_DAY
from tasks.prep.config import DataChecks
from tasks.prep.errors import BelowMinimumsError
from tasks.prep.fingerprint import hash_column
from tasks.prep.holdout import holdout_uri
from tasks.prep.import_folder import import_parts
from tasks.prep.partition import DUPLICATE_RULE
from tasks.prep.profile import MIN_SPAN, Profile, Tally, profile
from tasks.prep.report import DataReport, data_report

Verdict = Literal["ok", "stop", "flagged", "skipped"]
RECORD_IDS = {"ITEMS": "ITEM_ID", "USERS": "USER_ID"}
"""Datasets of one record per id, and that id (``check_records``)."""


class DriftRow(BaseModel):
    """One figure of the export against the accepted data."""

    figure: str
    accepted: str
    new: str
    change: str
    limit: str
    verdict: Verdict
    setting: str = ""

    def cells(self) -> dict[str, str]:
        """The row as the artifact shows it."""
        return {
            "figure": self.figure,
            "verdict": self.verdict,
            "accepted": self.accepted,
            "new": self.new,
            "change": self.change,
            "limit": self.limit,
        }


class DataDriftError(BelowMinimumsError):
    """The export moved too far from the accepted data; ``report`` is the data report."""


def accepted_files(locations: Sequence[str]) -> list[str]:
    """The CSV files of the accepted imports, with the holdouts set aside beside them."""
    files: list[str] = []
    for location in locations:
        files += import_parts(location)
        held = holdout_uri(location)
        fs, path = fsspec.core.url_to_fs(held)
        if not _held_out(location) and fs.exists(path):
            files.append(held)
    return list(dict.fromkeys(files))


def _held_out(location: str) -> bool:
    """True for a holdout file (imported once the gate decided; its figures are in the data
    report of the import it was set aside from)."""
    return location.endswith(".holdout.csv")


class Measured(NamedTuple):
    """The profiles compared: the whole data (FULL only) and the recent part of each."""

    whole: tuple[Profile, Profile] | None
    """(accepted, export) over all their rows; None for an INCREMENTAL export."""
    recent: tuple[Profile, Profile] | None
    """(accepted window, the export's new part); None when the export has no new part."""


def check_export(
    import_uri: str,
    accepted: Sequence[str],
    checks: DataChecks,
    incremental: bool,
    report: DataReport,
) -> list[DriftRow]:
    """The export at ``import_uri`` against the accepted imports, a row per figure; none when
    the checks are off or there is nothing to compare with (the report's notes say why)."""
    if not checks.enabled:
        return []
    measured = measure(import_uri, accepted, incremental, report)
    return [] if measured is None else compare(measured, checks, incremental)


def check_records(
    import_uri: str,
    accepted: Sequence[str],
    checks: DataChecks,
    incremental: bool,
    id_column: str,
    report: DataReport,
) -> list[DriftRow]:
    """A FULL items or users export against the accepted records: how many distinct ids, and
    the share of the accepted ids it no longer has (a catalogue export that lost part of the
    catalogue). An INCREMENTAL one updates some records and is not compared."""
    if not checks.enabled or incremental or not accepted:
        return []
    try:
        before = distinct_ids(accepted_files(accepted), id_column)
    except (OSError, ValueError, pa.ArrowException) as error:
        report.notes.append(f"Data checks skipped: the accepted files could not be read ({error}).")
        return []
    if not len(before):
        return []
    now = distinct_ids(import_parts(import_uri), id_column)
    missing = float((~np.isin(before, now)).mean())
    limit = checks.max_missing_records_share
    kind = "items" if id_column == "ITEM_ID" else "users"
    return [
        _factor(f"{kind} (distinct {id_column})", len(before), len(now), checks.max_rows_factor,
                "max_rows_factor"),
        DriftRow(
            figure=f"accepted {kind} missing from the export",
            accepted="none",
            new=f"{missing:.1%}",
            change=f"{missing:.1%} of {len(before):,}",
            limit=f"at most {limit:.0%}",
            verdict="ok" if missing <= limit + 1e-12 else "stop",
            setting="max_missing_records_share",
        ),
    ]  # fmt: skip


def distinct_ids(files: Sequence[str], id_column: str) -> np.ndarray:
    """The distinct 64-bit hashes of ``id_column`` over these CSV files, sorted."""
    found = [np.empty(0, np.uint64)]
    options = pacsv.ConvertOptions(include_columns=[id_column],
                                   column_types={id_column: pa.string()})  # fmt: skip
    for path in files:
        with fsspec.open(path, "rb") as handle:
            for batch in pacsv.open_csv(handle, convert_options=options):
                found = [np.unique(np.concatenate([*found, hash_column(batch.column(0))]))]
    return found[0]


def measure(
    import_uri: str, accepted: Sequence[str], incremental: bool, report: DataReport
) -> Measured | None:
    """The profiles to compare (see the module docstring); None without accepted data."""
    if not accepted:
        return None
    reports = [data_report(location) for location in accepted if not _held_out(location)]
    ends = [r.get("time_end") for r in reports if r]
    if len(ends) < len(reports) or None in ends:
        report.notes.append(
            "Data checks skipped: an accepted import has no data report beside it, so its "
            "figures are unknown."
        )
        return None
    accepted_end = max(int(end) for end in ends if end is not None)
    export = Tally(None if incremental else accepted_end)
    export.add_files(import_parts(import_uri))
    if export.start is None or export.end is None:
        return None
    length = export.end - (export.start if incremental else accepted_end)
    history = Tally(accepted_end - max(length, MIN_SPAN))
    try:
        history.add_files(accepted_files(accepted))
    except (OSError, ValueError, pa.ArrowException) as error:
        report.notes.append(f"Data checks skipped: the accepted files could not be read ({error}).")
        return None
    if not history.rows:
        report.notes.append(
            f"Data checks skipped: the accepted imports ({', '.join(accepted)}) hold no rows "
            "that could be found."
        )
        return None
    recent = None
    if incremental or length > 0:
        recent = profile(history, window=True), profile(export, window=not incremental)
        recent[0].new_users_share, recent[1].new_users_share = _new_shares(
            history, export, "USER_ID"
        )
        recent[0].new_items_share, recent[1].new_items_share = _new_shares(
            history, export, "ITEM_ID"
        )
    whole = None
    if not incremental:
        whole = profile(history), profile(export)
        known = history.ids("USER_ID").index
        whole[1].missing_users_share = float((~known.isin(export.ids("USER_ID").index)).mean())
    for pair in (whole, recent):
        if pair is not None:
            pair[0].duplicate_share = _duplicate_share(reports)
            pair[1].duplicate_share = _duplicate_share([report.model_dump()])
    return Measured(whole, recent)


def compare(measured: Measured, checks: DataChecks, incremental: bool) -> list[DriftRow]:
    """Every figure's row: accepted, new, change, limit, verdict."""
    rows: list[DriftRow] = []
    if measured.whole is not None:
        before, now = measured.whole
        rows += [
            _factor("rows", before.rows, now.rows, checks.max_rows_factor, "max_rows_factor"),
            _factor("users", before.users, now.users, checks.max_users_factor, "max_users_factor"),
            _factor("items", before.items, now.items, checks.max_items_factor, "max_items_factor"),
            _factor(
                "days spanned", before.days, now.days, checks.max_span_factor, "max_span_factor"
            ),
            _newest(before, now, checks, incremental),
            _missing(before, now, checks),
            *_shape(before, now, checks, ""),
        ]
    if measured.recent is not None:
        before, now = measured.recent
        prefix = "" if incremental else "new days: "
        if incremental:
            rows.append(_newest(before, now, checks, incremental))
        rows.append(
            _factor(
                f"{prefix}rows per day",
                before.rows_per_day,
                now.rows_per_day,
                checks.max_rows_per_day_factor,
                "max_rows_per_day_factor",
            )
        )
        rows += _shape(before, now, checks, prefix)
        for name, old, new, limit, setting in (
            ("new users", before.new_users_share, now.new_users_share, checks.max_new_users_share_change, "max_new_users_share_change"),
            ("new items", before.new_items_share, now.new_items_share, checks.max_new_items_share_change, "max_new_items_share_change"),
        ):  # fmt: skip
            if old is not None and new is not None:
                rows.append(_share_change(prefix + name, old, new, limit, setting, rise_only=True))
    pair = measured.whole or measured.recent
    if pair is not None and pair[0].duplicate_share is not None:
        old, new = pair[0].duplicate_share, pair[1].duplicate_share
        if new is not None:
            rows.append(
                _share_change(
                    "duplicate rows",
                    old,
                    new,
                    checks.max_duplicate_share_change,
                    "max_duplicate_share_change",
                    rise_only=True,
                )
            )
    return rows


def _shape(before: Profile, now: Profile, checks: DataChecks, prefix: str) -> list[DriftRow]:
    """How the rows are spread: per user, over the busiest users, over event types."""
    rows = [
        _distance(
            f"{prefix}interactions per user (Jensen-Shannon)",
            _js_divergence(before.per_user_bins, now.per_user_bins),
            checks.max_per_user_divergence,
            "max_per_user_divergence",
            _bins(before.per_user_bins),
            _bins(now.per_user_bins),
        ),
        _share_change(
            f"{prefix}rows of the busiest 1% of users",
            before.busiest_share,
            now.busiest_share,
            checks.max_busiest_share_change,
            "max_busiest_share_change",
        ),
    ]
    if before.event_mix or now.event_mix:
        rows.append(
            _distance(
                f"{prefix}event-type mix (L-infinity)",
                _l_infinity(before.event_mix, now.event_mix),
                checks.max_event_mix_distance,
                "max_event_mix_distance",
                _mix(before.event_mix),
                _mix(now.event_mix),
            )
        )
    return rows


def _missing(before: Profile, now: Profile, checks: DataChecks) -> DriftRow:
    """The share of the accepted data's users a FULL export no longer has."""
    share = now.missing_users_share or 0.0
    return DriftRow(
        figure="accepted users missing from the export",
        accepted="none",
        new=f"{share:.1%}",
        change=f"{share:.1%} of {before.users:,}",
        limit=f"at most {checks.max_missing_users_share:.0%}",
        verdict="ok" if share <= checks.max_missing_users_share + 1e-12 else "stop",
        setting="max_missing_users_share",
    )


def enforce_checks(rows: Sequence[DriftRow], report: DataReport) -> None:
    """Raise :class:`DataDriftError` naming each figure beyond its limit and its setting."""
    where = f"datasets.{report.dataset_type.lower()}.checks"
    stopped = [row for row in rows if row.verdict == "stop"]
    if not stopped:
        return
    problems = "; ".join(
        f"{row.figure} moved from {row.accepted} to {row.new} ({row.change}; limit: "
        f"{row.limit}, {where}.{row.setting})"
        for row in stopped
    )
    raise DataDriftError(
        f"{report.dataset_type.lower()} import refused, nothing was imported: the export does "
        f"not look like the accepted data (what the serving version trained on): {problems}. "
        f"Fix the export, or raise the named setting ({where}.enabled: false turns the data "
        "checks off)",
        report,
    )


def _new_shares(history: Tally, export: Tally, name: str) -> tuple[float | None, float | None]:
    """(accepted turnover, export's new share) of the ids of ``name``: module docstring, 2."""
    known, ids = history.ids(name), export.ids(name)
    recent = known[known["window"] > 0]
    turnover = float((recent["first"] >= (history.since or 0)).mean()) if len(recent) else None
    active = ids[ids["window"] > 0] if (ids["window"] > 0).any() else ids
    new = float((~active.index.isin(known.index)).mean()) if len(active) else None
    return turnover, new


def _duplicate_share(reports: Sequence[dict[str, Any] | None]) -> float | None:
    """Exact duplicates dropped over rows read, summed over these data reports."""
    found = [r for r in reports if r]
    read = sum(int(r.get("rows_in") or 0) for r in found)
    dropped = sum(int((r.get("removed_by_rule") or {}).get(DUPLICATE_RULE, 0)) for r in found)
    return dropped / read if read else None


def _factor(figure: str, old: float, new: float, limit: float, setting: str) -> DriftRow:
    """A count that may grow or shrink by at most ``limit`` times."""
    ratio = new / old if old else math.inf
    ok = 1 / limit <= ratio <= limit if old else new == 0
    low, high = 1 / limit - 1, limit - 1
    return DriftRow(
        figure=figure,
        accepted=_number(old),
        new=_number(new),
        change=f"{ratio - 1:+.1%}" if old else "new",
        limit=f"{low:+.0%} to {high:+.0%} (x{limit:g})",
        verdict="ok" if ok else "stop",
        setting=setting,
    )


def _share_change(
    figure: str, old: float, new: float, limit: float, setting: str, rise_only: bool = False
) -> DriftRow:
    """A share that may move by at most ``limit`` (up only, with ``rise_only``)."""
    change = new - old
    ok = (change if rise_only else abs(change)) <= limit + 1e-12
    return DriftRow(
        figure=figure,
        accepted=f"{old:.1%}",
        new=f"{new:.1%}",
        change=f"{change * 100:+.1f} points",
        limit=f"{'rise' if rise_only else 'move'} of at most {limit * 100:g} points",
        verdict="ok" if ok else "stop",
        setting=setting,
    )


def _distance(
    figure: str, distance: float, limit: float, setting: str, old: str, new: str
) -> DriftRow:
    """A distance between two distributions, at most ``limit``."""
    return DriftRow(
        figure=figure,
        accepted=old,
        new=new,
        change=f"distance {distance:.3f}",
        limit=f"at most {limit:g}",
        verdict="ok" if distance <= limit + 1e-12 else "stop",
        setting=setting,
    )


def _newest(before: Profile, now: Profile, checks: DataChecks, incremental: bool) -> DriftRow:
    """The newest TIMESTAMP: a jump forward beyond the limit stops; an older FULL export stops
    unless allowed, an older INCREMENTAL one is flagged."""
    assert before.time_end is not None and now.time_end is not None
    days = (now.time_end - before.time_end) / SECONDS_PER_DAY
    verdict: Verdict = "ok"
    setting = "max_newest_jump_days"
    if days > checks.max_newest_jump_days:
        verdict = "stop"
    elif days < 0:
        setting = "allow_older_full"
        verdict = "flagged" if incremental or checks.allow_older_full else "stop"
    return DriftRow(
        figure="newest interaction",
        accepted=_iso(before.time_end),
        new=_iso(now.time_end),
        change=f"{days:+.1f} days",
        limit=f"0 to +{checks.max_newest_jump_days:g} days"
        + ("" if incremental else " (older: allow_older_full)"),
        verdict=verdict,
        setting=setting,
    )


def _js_divergence(old: dict[str, int], new: dict[str, int]) -> float:
    """Jensen-Shannon divergence (base 2, in [0, 1]) of two histograms over the same bins."""
    bins = list(dict.fromkeys([*old, *new]))
    p = np.array([old.get(b, 0) for b in bins], np.float64)
    q = np.array([new.get(b, 0) for b in bins], np.float64)
    if not p.sum() or not q.sum():
        return 0.0 if p.sum() == q.sum() else 1.0
    p, q = p / p.sum(), q / q.sum()
    mean = (p + q) / 2
    return float(sum(_kl_bits(x, mean) for x in (p, q)) / 2)


def _kl_bits(x: np.ndarray, mean: np.ndarray) -> float:
    """Kullback-Leibler divergence of ``x`` from ``mean`` in bits (``mean`` > 0 wherever x is)."""
    seen = x > 0
    return float(np.sum(x[seen] * np.log2(x[seen] / mean[seen])))


def _l_infinity(old: dict[str, float], new: dict[str, float]) -> float:
    """The largest change of one category's share."""
    return max((abs(new.get(k, 0.0) - old.get(k, 0.0)) for k in {*old, *new}), default=0.0)


def _bins(bins: dict[str, int]) -> str:
    """The median user's bin, in a few characters."""
    total = sum(bins.values())
    running = 0
    for label, users in bins.items():
        running += users
        if total and running * 2 >= total:
            return f"median {label} per user"
    return "none"


def _mix(mix: dict[str, float]) -> str:
    """The event-type shares, biggest first (three at most)."""
    top = sorted(mix.items(), key=lambda item: -item[1])[:3]
    return ", ".join(f"{name or 'none'} {share:.0%}" for name, share in top) or "none"


def _number(value: float) -> str:
    return f"{value:,.0f}" if value >= 100 else f"{value:,.1f}"


def _iso(seconds: int) -> str:
    return pd.Timestamp(seconds, unit="s", tz="UTC").strftime("%Y-%m-%d %H:%M")
