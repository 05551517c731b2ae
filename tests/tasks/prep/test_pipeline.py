"""The whole preparation on local files: each cleaning rule, rejects, checks, report and drift."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from tasks.prep.config import CleaningConfig, SourceConfig
from tasks.prep.errors import BelowMinimumsError, ColumnError, PrepError, SourceError
from tasks.prep.import_folder import import_parts
from tasks.prep.pipeline import OutputLocation, PrepResult, prepare
from tests.tasks.prep.conftest import INTERACTIONS, MAPPING, T0, interactions


def run(
    tmp_path: Path, frame: pd.DataFrame, incremental: bool = False, **cleaning: object
) -> PrepResult:
    source = tmp_path / "raw" / "events.parquet"
    source.parent.mkdir(exist_ok=True)
    frame.to_parquet(source)
    return prepare(
        SourceConfig(uri=str(source), columns=MAPPING),
        CleaningConfig(**cleaning),  # type: ignore[arg-type]
        INTERACTIONS,
        "interactions",
        str(tmp_path / "out"),
        incremental=incremental,
    )


def output(result: PrepResult) -> pd.DataFrame:
    """Every part of the import folder, in part order."""
    parts = import_parts(result.import_uri)
    return pd.concat(
        [pd.read_csv(part, dtype={"USER_ID": str, "ITEM_ID": str}) for part in parts],
        ignore_index=True,
    )


def test_import_file_has_schema_header_epoch_seconds_and_counts(tmp_path: Path) -> None:
    frame = interactions()
    result = run(tmp_path, frame)
    parts = import_parts(result.import_uri)
    # One process makes one partition by default (one per worker): one part in the folder.
    assert [Path(part).parent for part in parts] == [Path(result.import_uri)]
    for part in parts:
        with open(part, encoding="utf-8") as handle:
            assert handle.readline() == "USER_ID,ITEM_ID,TIMESTAMP,EVENT_TYPE\n"
    out = output(result)
    assert sorted(out["TIMESTAMP"]) == (frame["ts"] // 1000).tolist()
    assert result.rows_in == result.rows_out == len(frame)
    report = result.report
    assert report.users == frame["user_id"].nunique()
    assert report.items == frame["sku"].nunique()
    assert report.event_types == frame["event"].value_counts().to_dict()
    assert report.time_start == T0 and report.time_end == T0 + (len(frame) - 1) * 60
    assert report.interactions_per_user["max"] == frame["user_id"].value_counts().max()
    assert "epoch numbers in ms (detected)" in report.timestamp_reading
    assert all(check.ok for check in report.checks)
    assert json.loads(Path(result.report_uri).read_text())["rows_out"] == len(frame)


def test_duplicates_are_dropped_and_counted(tmp_path: Path) -> None:
    frame = interactions()
    doubled = pd.concat([frame, frame.iloc[:7], frame.iloc[:2]], ignore_index=True)
    result = run(tmp_path, doubled)
    assert result.rows_out == len(frame)
    assert result.report.removed_by_rule == {"exact duplicate": 9}
    kept = run(tmp_path, doubled, drop_duplicates=False)
    assert kept.rows_out == len(doubled)


def test_bad_rows_go_to_rejects_with_reason_and_are_counted(tmp_path: Path) -> None:
    frame = interactions()
    frame["sku"] = frame["sku"].astype(object)
    frame.loc[5, "sku"] = "   "
    frame.loc[9, "sku"] = None
    frame.loc[11, "ts"] = 5  # 1970 in ms
    result = run(tmp_path, frame)
    assert result.rows_rejected == 3 and result.rows_out == len(frame) - 3
    assert result.report.rejects_by_reason == {
        "ITEM_ID is empty": 2,
        "TIMESTAMP is out of range (1970 to 2100)": 1,
    }
    rejects = pd.read_csv(result.rejects_uri)
    assert rejects["SOURCE_ROW"].tolist() == [6, 10, 12]
    assert rejects["REASON"].tolist()[0] == "ITEM_ID is empty"
    assert rejects["SOURCE_FILE"].str.endswith("events.parquet").all()


def test_event_type_allow_list(tmp_path: Path) -> None:
    frame = interactions(2400)
    result = run(tmp_path, frame, event_types=["click"])
    assert set(output(result)["EVENT_TYPE"]) == {"click"}
    removed = result.report.removed_by_rule["event type not in cleaning.event_types"]
    assert removed == (frame["event"] == "purchase").sum()


def test_time_window_keeps_the_last_days_of_the_data(tmp_path: Path) -> None:
    frame = interactions(3000)  # one event a minute: about 2.1 days
    result = run(tmp_path, frame, window_days=1)
    out = output(result)
    latest = out["TIMESTAMP"].max()
    assert out["TIMESTAMP"].min() >= latest - 86400
    assert result.report.removed_by_rule["older than cleaning.window_days"] == len(frame) - len(out)


def test_minimum_interactions_per_user_and_item(tmp_path: Path) -> None:
    frame = interactions(2000)
    rare = pd.DataFrame(
        {"user_id": [999, 999, 998], "sku": ["sku-0", "rare", "sku-1"], "ts": [T0 * 1000] * 3,
         "event": ["click"] * 3}
    )  # fmt: skip
    result = run(tmp_path, pd.concat([frame, rare]), min_interactions_per_user=3,
                 min_interactions_per_item=2)  # fmt: skip
    out = output(result)
    assert not {"999", "998"} & set(out["USER_ID"])
    assert "rare" not in set(out["ITEM_ID"])
    assert result.report.removed_by_rule["user below cleaning.min_interactions_per_user"] == 3


def test_the_smoke_check_users_are_prepared_users(tmp_path: Path) -> None:
    """The report names a few users of the import file (the first rows' users are removed)."""
    removed = pd.DataFrame(
        {"user_id": [999, 998], "sku": ["sku-0", "sku-1"], "ts": [T0 * 1000] * 2,
         "event": ["click"] * 2}
    )  # fmt: skip
    result = run(tmp_path, pd.concat([removed, interactions(2000)]), min_interactions_per_user=3)
    sample = result.report.sample_users
    assert len(sample) == len(set(sample)) == 5
    assert set(sample) <= set(output(result)["USER_ID"]) - {"999", "998"}


def test_cap_keeps_each_bots_most_recent_interactions(tmp_path: Path) -> None:
    frame = interactions(1200)
    bot = pd.DataFrame(
        {"user_id": 777, "sku": [f"sku-{i % 5}" for i in range(500)],
         "ts": (T0 + pd.RangeIndex(500) * 10) * 1000, "event": "click"}
    )  # fmt: skip
    result = run(tmp_path, pd.concat([frame, bot]), max_interactions_per_user=50)
    out = output(result)
    kept = out[out["USER_ID"] == "777"]["TIMESTAMP"].sort_values()
    assert len(kept) == 50
    assert kept.tolist() == [T0 + i * 10 for i in range(450, 500)]
    assert result.report.removed_by_rule["beyond cleaning.max_interactions_per_user"] >= 450


def test_below_minimums_stops_with_numbers_side_by_side(tmp_path: Path) -> None:
    with pytest.raises(BelowMinimumsError) as caught:
        run(tmp_path, interactions(900, users=20))
    message = str(caught.value)
    assert "interactions: required >= 1,000, found 900" in message
    assert "users with 2+ interactions: required >= 25, found 20" in message
    assert not import_parts(str(tmp_path / "out" / "interactions"))
    assert caught.value.report is not None


def test_an_incremental_file_need_not_meet_the_dataset_minimums(tmp_path: Path) -> None:
    result = run(tmp_path, interactions(300, users=20), incremental=True)
    assert result.rows_out == 300
    assert result.report.checks[0].rule == "rows"
    assert all(check.ok for check in result.report.checks)


def test_too_many_event_types(tmp_path: Path) -> None:
    frame = interactions()
    frame["event"] = [f"e{i % 12}" for i in range(len(frame))]
    with pytest.raises(BelowMinimumsError, match=r"required <= 10, found 13 \(12 event types"):
        run(tmp_path, frame)


def test_drift_from_the_previous_run_in_a_prefix_of_its_own(tmp_path: Path) -> None:
    source = tmp_path / "events.parquet"
    reports = []
    for run_id, rows in (("run-1", 1200), ("run-2", 1500)):
        interactions(rows).to_parquet(source)
        result = prepare(
            SourceConfig(uri=str(source), columns=MAPPING), CleaningConfig(), INTERACTIONS,
            "interactions", str(tmp_path / "prepared" / run_id),
        )  # fmt: skip
        reports.append(result.report)
    assert (tmp_path / "prepared" / "interactions.last-report.json").exists()
    assert not reports[0].drift
    second = reports[1]
    drift = {d.metric: d for d in second.drift}
    assert drift["rows out"].previous == 1200 and drift["rows out"].current == 1500
    assert drift["rows out"].change == "+300 (+25.0%)"
    assert "Change since the previous run" in second.markdown()
    # Issue 23: long S3 paths broke the first sentence; each location has its own line.
    lines = second.markdown().splitlines()
    assert lines[2].startswith("Prepared ") and "`" not in lines[2]
    assert lines[4:7] == [f"- source: `{second.source_uri}`",
                          f"- import file: `{second.import_uri}`",
                          f"- rejects: `{second.rejects_uri}`"]  # fmt: skip


def test_empty_input_and_unreadable_timestamps(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match="has no rows"):
        run(tmp_path, interactions().iloc[:0])
    frame = interactions()
    frame["ts"] = "sometime"
    with pytest.raises(ColumnError, match="TIMESTAMP: no value could be read"):
        run(tmp_path, frame)


def test_cleaning_that_does_not_fit_the_dataset(tmp_path: Path) -> None:
    with pytest.raises(PrepError, match=r"max_interactions_per_user \(2\) is below"):
        run(tmp_path, interactions(), max_interactions_per_user=2, min_interactions_per_user=3)


def test_items_dataset(tmp_path: Path) -> None:
    items = pd.DataFrame({"ITEM_ID": [" a", "b", "b"], "GENRES": [["x", "y"], ["z"], ["z"]]})
    items.to_parquet(tmp_path / "items.parquet")
    schema = {
        "type": "record",
        "name": "Items",
        "fields": [
            {"name": "ITEM_ID", "type": "string"},
            {"name": "GENRES", "type": ["null", "string"], "categorical": True},
        ],
    }
    result = prepare(
        SourceConfig(uri=str(tmp_path / "items.parquet")), CleaningConfig(), schema, "items",
        str(tmp_path / "out"), partitions=1,
    )  # fmt: skip
    (part,) = import_parts(result.import_uri)
    assert Path(part).read_text() == 'ITEM_ID,GENRES\n"a","x|y"\n"b","z"\n'
    assert result.report.items == 2


def test_output_locations() -> None:
    out = OutputLocation.under("s3://bucket/prepared/retail/interactions/run-7/", "INTERACTIONS")
    assert out.import_uri == "s3://bucket/prepared/retail/interactions/run-7/interactions/"
    assert out.rejects_uri.endswith("run-7/interactions.rejects.csv")
    assert (
        out.history_uri == "s3://bucket/prepared/retail/interactions/interactions.last-report.json"
    )
    assert (
        OutputLocation.under("s3://bucket", "ITEMS").history_uri
        == "s3://bucket/items.last-report.json"
    )
    given = OutputLocation.under("s3://b/x/", "USERS", "s3://b/history.json")
    assert given.history_uri == "s3://b/history.json"


def test_a_rejected_row_never_hides_its_good_twin(tmp_path: Path) -> None:
    frame = interactions().astype({"user_id": str, "ts": str}).assign(value="")
    frame.loc[0, "value"] = "abc"  # rejected; with the value dropped it equals the next row
    frame.loc[1, ["user_id", "sku", "ts", "event"]] = frame.loc[
        0, ["user_id", "sku", "ts", "event"]
    ]
    source = tmp_path / "events.csv"
    frame.to_csv(source, index=False)
    fields = [*INTERACTIONS["fields"], {"name": "EVENT_VALUE", "type": ["null", "float"]}]
    result = prepare(
        SourceConfig(uri=str(source), columns={**MAPPING, "EVENT_VALUE": "value"}),
        CleaningConfig(), {**INTERACTIONS, "fields": fields}, "interactions", str(tmp_path / "out"),
    )  # fmt: skip
    assert result.report.rejects_by_reason == {"EVENT_VALUE is not a number": 1}
    assert result.rows_out == len(frame) - 1
    assert result.report.removed_by_rule["exact duplicate"] == 0
