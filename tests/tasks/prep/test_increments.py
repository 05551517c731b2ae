"""An INCREMENTAL import's minimums count the dataset's history; guards refuse broken exports.

Issue 16, bug 1: ``min_interactions_per_user`` applied to the new export alone dropped returning
users with one new event. Bug 3: a FULL import of the 10% of rows left after 90% were rejected
replaced the whole dataset.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from tasks.prep.config import CleaningConfig, ImportGuards, SourceConfig
from tasks.prep.errors import GuardError
from tasks.prep.import_folder import import_parts, read_import
from tasks.prep.pipeline import PrepResult, prepare
from tests.tasks.prep.conftest import INTERACTIONS, MAPPING, T0, interactions


def events(rows: list[tuple[str, str]], start: int = T0) -> pd.DataFrame:
    """Raw events (user, item), a minute apart, in the source's column names."""
    return pd.DataFrame(
        {
            "user_id": [user for user, _ in rows],
            "sku": [item for _, item in rows],
            "ts": [(start + 60 * i) * 1000 for i in range(len(rows))],
            "event": "click",
        }
    )


def prepared(
    tmp_path: Path,
    frame: pd.DataFrame,
    name: str,
    incremental: bool = False,
    current_files: tuple[str, ...] = (),
    guards: ImportGuards | None = None,
    **cleaning: object,
) -> PrepResult:
    source = tmp_path / "raw" / f"{name}.parquet"
    source.parent.mkdir(exist_ok=True)
    frame.to_parquet(source)
    return prepare(
        SourceConfig(uri=str(source), columns=MAPPING),
        CleaningConfig(**cleaning),  # type: ignore[arg-type]
        INTERACTIONS,
        "interactions",
        str(tmp_path / name),
        incremental=incremental,
        current_files=current_files,
        guards=guards,
    )


def import_file(tmp_path: Path, rows: list[tuple[str, str]]) -> str:
    """An earlier import file (what the dataset was built from) holding these (user, item)."""
    path = tmp_path / "earlier" / f"import-{len(list(tmp_path.glob('earlier/*')))}.csv"
    path.parent.mkdir(exist_ok=True)
    frame = pd.DataFrame(rows, columns=["USER_ID", "ITEM_ID"]).assign(
        TIMESTAMP=T0, EVENT_TYPE="click"
    )
    frame.to_csv(path, index=False)
    return str(path)


def users_of(result: PrepResult) -> list[str]:
    frame = read_import(result.import_uri, ["USER_ID"])
    return sorted(frame["USER_ID"].unique())


def test_an_increment_counts_each_users_history(tmp_path: Path) -> None:
    history = import_file(tmp_path, [("old", "a"), ("old", "b")])
    increment = events([("old", "c"), ("new", "a"), ("twice", "a"), ("twice", "b")], T0 + 3600)

    result = prepared(
        tmp_path,
        increment,
        "second",
        incremental=True,
        current_files=(history,),
        min_interactions_per_user=2,
    )

    # 'old' has one new event but three in all; 'new' has one in all; 'twice' two new ones.
    assert users_of(result) == ["old", "twice"]
    assert result.report.removed_by_rule["user below cleaning.min_interactions_per_user"] == 1
    assert result.report.earlier_rows == 2
    assert "counted the 2 rows the dataset held before" in result.report.markdown()


def test_an_increment_counts_each_items_history(tmp_path: Path) -> None:
    history = import_file(tmp_path, [("u1", "a"), ("u2", "a"), ("u3", "b")])
    increment = events([("u4", "a"), ("u5", "b"), ("u6", "c")], T0 + 3600)

    result = prepared(
        tmp_path,
        increment,
        "second",
        incremental=True,
        current_files=(history,),
        min_interactions_per_item=2,
    )

    items = read_import(result.import_uri, ["ITEM_ID"])["ITEM_ID"].tolist()
    assert sorted(items) == ["a", "b"], "'c' is new with one event; 'b' had one before"


def test_without_a_readable_history_the_minimums_are_not_applied(tmp_path: Path) -> None:
    increment = events([("old", "c"), ("new", "a")], T0 + 3600)
    missing = str(tmp_path / "gone" / "interactions.csv")

    result = prepared(
        tmp_path,
        increment,
        "second",
        incremental=True,
        current_files=(missing,),
        min_interactions_per_user=2,
    )

    assert users_of(result) == ["new", "old"]
    assert "minimums per user and item were not applied" in result.report.markdown()


def test_most_rows_rejected_refuses_the_import(tmp_path: Path) -> None:
    frame = interactions(n=1200)
    frame["sku"] = frame["sku"].astype(object)
    frame.loc[frame.index[:1080], "sku"] = None  # 90% of the rows are bad

    with pytest.raises(GuardError) as refused:
        prepared(tmp_path, frame, "broken")

    message = str(refused.value)
    assert "90.0% (1,080 of 1,200 rows) were rejected" in message
    assert "datasets.interactions.guards.max_reject_share" in message
    assert "nothing was imported" in message
    assert not import_parts(str(tmp_path / "broken" / "interactions")), "no import file left"
    allowed = prepared(
        tmp_path,
        frame,
        "allowed",
        incremental=True,
        guards=ImportGuards(max_reject_share=1),
    )
    assert allowed.rows_out == 120


def test_a_full_import_that_shrinks_the_dataset_is_refused(tmp_path: Path) -> None:
    before = prepared(tmp_path, interactions(n=3000, users=60), "before")
    smaller = interactions(n=1200, users=40, seed=1)

    with pytest.raises(GuardError) as refused:
        prepared(tmp_path, smaller, "after", current_files=(before.import_uri,))

    message = str(refused.value)
    assert "1,200 rows, fewer than 1,500 rows (50% of 3,000)" in message
    assert "datasets.interactions.guards.max_shrink" in message
    assert not import_parts(str(tmp_path / "after" / "interactions"))
    incremental = prepared(
        tmp_path, smaller, "increment", incremental=True, current_files=(before.import_uri,)
    )
    assert incremental.rows_out == 1200, "an INCREMENTAL import adds rows: no shrink"
    assert (
        prepared(
            tmp_path,
            smaller,
            "allowed",
            current_files=(before.import_uri,),
            guards=ImportGuards(max_shrink=1),
        ).rows_out
        == 1200
    )
