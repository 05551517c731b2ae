"""Issue 22, items 1 and 2: each export is checked against the accepted data before import.

The accepted data is an earlier preparation's import folder (with its data report beside it);
the new export is prepared against it. Faults the issue names (users folded into one id, a
timestamp unit bug, an export older than the accepted data) stop with ``DataDriftError``
naming the figure and its setting, and leave no import file; honest exports pass.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from tasks.prep.config import CleaningConfig, DataChecks, SourceConfig
from tasks.prep.drift import DataDriftError, _js_divergence, _l_infinity
from tasks.prep.import_folder import import_parts
from tasks.prep.pipeline import PrepResult, prepare
from tasks.prep.profile import Tally, busiest_share, profile
from tests.tasks.prep.conftest import INTERACTIONS, T0, avro

DAY = 86_400


def world(days: int, users: int = 200, per_day: int = 300, seed: int = 0) -> pd.DataFrame:
    """Raw events over ``days`` days from T0 (skewed users and items, 10% purchases)."""
    rng = np.random.default_rng(seed)
    n = days * per_day
    activity = rng.lognormal(0, 0.8, users)
    return pd.DataFrame(
        {
            "USER_ID": [f"u{u}" for u in rng.choice(users, n, p=activity / activity.sum())],
            "ITEM_ID": [f"i{i}" for i in rng.zipf(1.5, n) % 300],
            "TIMESTAMP": np.sort(T0 + rng.integers(0, days * DAY, n)),
            "EVENT_TYPE": np.where(rng.random(n) < 0.1, "purchase", "click"),
        }
    )


def prepared(
    tmp_path: Path,
    frame: pd.DataFrame,
    name: str,
    accepted: list[str] | None = None,
    incremental: bool = False,
    checks: DataChecks | None = None,
) -> PrepResult:
    source = tmp_path / f"{name}.parquet"
    frame.to_parquet(source)
    return prepare(
        SourceConfig(uri=str(source)),
        CleaningConfig(),
        INTERACTIONS,
        "interactions",
        str(tmp_path / name),
        incremental=incremental,
        accepted=accepted or [],
        checks=checks,
    )


@pytest.fixture
def history() -> pd.DataFrame:
    return world(40)


def first_days(frame: pd.DataFrame, days: float, start: float = 0) -> pd.DataFrame:
    t = frame["TIMESTAMP"]
    return frame[(t >= T0 + start * DAY) & (t < T0 + days * DAY)]


def test_an_honest_full_export_passes_every_check(tmp_path: Path, history: pd.DataFrame) -> None:
    accepted = prepared(tmp_path, first_days(history, 30), "accepted")

    result = prepared(tmp_path, history, "new", [accepted.import_uri])

    rows = result.report.data_checks
    assert {row["verdict"] for row in rows} == {"ok"}, rows
    figures = [row["figure"] for row in rows]
    assert "rows" in figures and "new days: rows of the busiest 1% of users" in figures
    assert "accepted users missing from the export" in figures


def test_an_honest_increment_passes(tmp_path: Path, history: pd.DataFrame) -> None:
    accepted = prepared(tmp_path, first_days(history, 30), "accepted")

    result = prepared(
        tmp_path, first_days(history, 37, 30), "new", [accepted.import_uri], incremental=True
    )

    assert {row["verdict"] for row in result.report.data_checks} == {"ok"}
    assert "rows" not in [row["figure"] for row in result.report.data_checks]


def test_users_folded_into_one_id_stop_before_import(tmp_path: Path, history: pd.DataFrame) -> None:
    accepted = prepared(tmp_path, first_days(history, 30), "accepted")
    broken = history.copy()
    late = broken["TIMESTAMP"] >= T0 + 30 * DAY
    folded = broken["USER_ID"].isin([f"u{u}" for u in range(0, 200, 4)])
    broken.loc[late & folded, "USER_ID"] = "u-folded"

    with pytest.raises(DataDriftError) as stopped:
        prepared(tmp_path, broken, "new", [accepted.import_uri])

    message = str(stopped.value)
    assert "new days: rows of the busiest 1% of users" in message
    assert "datasets.interactions.checks.max_busiest_share_change" in message
    assert "nothing was imported" in message
    assert import_parts(str(tmp_path / "new" / "interactions") + "/") == []


def test_a_timestamp_unit_bug_stops_on_the_newest_interaction(
    tmp_path: Path, history: pd.DataFrame
) -> None:
    accepted = prepared(tmp_path, first_days(history, 30), "accepted")
    broken = history.copy()
    late = broken["TIMESTAMP"] >= T0 + 30 * DAY
    broken.loc[late, "TIMESTAMP"] += 365 * DAY

    with pytest.raises(DataDriftError, match="max_newest_jump_days"):
        prepared(tmp_path, broken, "new", [accepted.import_uri])


def test_a_full_export_older_than_the_accepted_data_stops_unless_allowed(
    tmp_path: Path, history: pd.DataFrame
) -> None:
    accepted = prepared(tmp_path, history, "accepted")
    older = first_days(history, 33)

    with pytest.raises(DataDriftError, match="allow_older_full"):
        prepared(tmp_path, older, "new", [accepted.import_uri])
    allowed = prepared(
        tmp_path, older, "allowed", [accepted.import_uri], checks=DataChecks(allow_older_full=True)
    )

    newest = next(r for r in allowed.report.data_checks if r["figure"] == "newest interaction")
    assert newest["verdict"] == "flagged"
    assert newest["change"].startswith("-7.0 days")


def test_an_older_increment_is_flagged_not_stopped(tmp_path: Path, history: pd.DataFrame) -> None:
    accepted = prepared(tmp_path, history, "accepted")

    result = prepared(
        tmp_path, first_days(history, 35, 30), "new", [accepted.import_uri], incremental=True
    )

    newest = next(r for r in result.report.data_checks if r["figure"] == "newest interaction")
    assert newest["verdict"] == "flagged"


def test_rows_dated_in_the_future_are_rejected_with_their_reason(tmp_path: Path) -> None:
    frame = world(5)
    frame.loc[:9, "TIMESTAMP"] = int(pd.Timestamp.now(tz="UTC").timestamp()) + 3 * DAY

    result = prepared(tmp_path, frame, "new")

    assert result.rows_rejected == 10
    (reason,) = result.report.rejects_by_reason
    assert reason.startswith("TIMESTAMP is in the future")
    assert "checks.future_tolerance_hours" in reason


def test_the_checks_can_be_turned_off(tmp_path: Path, history: pd.DataFrame) -> None:
    accepted = prepared(tmp_path, history, "accepted")

    result = prepared(
        tmp_path,
        first_days(history, 10),
        "new",
        [accepted.import_uri],
        checks=DataChecks(enabled=False, allow_older_full=False),
    )

    assert result.report.data_checks == []


def test_without_a_data_report_the_checks_say_they_were_skipped(
    tmp_path: Path, history: pd.DataFrame
) -> None:
    bare = tmp_path / "bare.csv"
    history.to_csv(bare, index=False)

    result = prepared(tmp_path, history, "new", [str(bare)])

    assert result.report.data_checks == []
    assert any("Data checks skipped" in note for note in result.report.notes)


def test_the_tally_counts_a_window_and_the_busiest_users() -> None:
    tally = Tally(since=T0 + 10)
    tally.add(
        pa.RecordBatch.from_pandas(
            pd.DataFrame(
                {
                    "USER_ID": ["a", "a", "a", "b"],
                    "ITEM_ID": ["x", "y", "x", "z"],
                    "TIMESTAMP": [T0, T0 + 10, T0 + 20, T0 + 30],
                    "EVENT_TYPE": ["click", "click", "buy", "buy"],
                }
            )
        )
    )

    whole, recent = profile(tally), profile(tally, window=True)

    assert (whole.rows, whole.users, whole.items) == (4, 2, 3)
    assert (recent.rows, recent.users, recent.items) == (3, 2, 3)
    assert recent.event_mix == {"buy": 2 / 3, "click": 1 / 3}
    assert busiest_share(np.array([1, 1, 8])) == 0.8


def test_the_distances_follow_tfdv() -> None:
    assert _l_infinity({"click": 0.9, "buy": 0.1}, {"click": 1.0}) == pytest.approx(0.1)
    assert _js_divergence({"1": 10, "2": 10}, {"1": 10, "2": 10}) == 0.0
    assert _js_divergence({"1": 10}, {"2": 10}) == pytest.approx(1.0)


def test_accepted_files_that_are_gone_skip_the_checks_instead_of_stopping(
    tmp_path: Path, history: pd.DataFrame
) -> None:
    accepted = prepared(tmp_path, first_days(history, 30), "accepted")
    for part in import_parts(accepted.import_uri):
        Path(part).unlink()

    result = prepared(tmp_path, history, "new", [accepted.import_uri])

    assert result.report.data_checks == []
    assert any("hold no rows" in note for note in result.report.notes)


CATALOGUE = avro(("ITEM_ID", "string"), ("CATEGORY", "string"), CATEGORY={"categorical": True})


def catalogue(tmp_path: Path, items: list[str], name: str, accepted: list[str]) -> PrepResult:
    source = tmp_path / f"{name}.parquet"
    pd.DataFrame({"ITEM_ID": items, "CATEGORY": ["shoes"] * len(items)}).to_parquet(source)
    return prepare(SourceConfig(uri=str(source)), CleaningConfig(), CATALOGUE, "items",
                   str(tmp_path / name), accepted=accepted)  # fmt: skip


def test_a_catalogue_that_lost_items_stops_before_import(tmp_path: Path) -> None:
    items = [f"i{i}" for i in range(400)]
    accepted = catalogue(tmp_path, items, "accepted", [])
    assert accepted.import_uri == f"{tmp_path / 'accepted' / 'items'}/"  # where parts go
    assert import_parts(accepted.import_uri)
    grown = catalogue(tmp_path, [*items[20:], *(f"new{i}" for i in range(50))], "grown",
                      [accepted.import_uri])  # fmt: skip
    rows = {row["figure"]: row for row in grown.report.data_checks}
    assert rows["accepted items missing from the export"]["new"] == "5.0%"
    assert {row["verdict"] for row in rows.values()} == {"ok"}

    with pytest.raises(DataDriftError) as stopped:
        catalogue(tmp_path, items[::2], "halved", [accepted.import_uri])

    message = str(stopped.value)
    assert "accepted items missing from the export moved from none to 50.0%" in message
    assert "datasets.items.checks.max_missing_records_share" in message
    assert import_parts(str(tmp_path / "halved" / "items") + "/") == []
