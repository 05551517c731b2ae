"""The gate's holdout set aside by data preparation: which rows, which users, where it goes."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from tasks.prep.config import CleaningConfig, SourceConfig
from tasks.prep.holdout import HOLDOUT_RULE, HoldoutSpec, PreviousHoldout, holdout_cutoff
from tasks.prep.pipeline import PrepResult, prepare
from tests.tasks.prep.conftest import INTERACTIONS, MAPPING, T0, interactions

DAY = 86_400


def run(tmp_path: Path, frame: pd.DataFrame, spec: HoldoutSpec, name: str = "out") -> PrepResult:
    source = tmp_path / f"{name}.parquet"
    frame.to_parquet(source)
    return prepare(
        SourceConfig(uri=str(source), columns=MAPPING),
        CleaningConfig(),
        INTERACTIONS,
        "interactions",
        str(tmp_path / name),
        holdout=spec,
    )


def read(uri: str) -> pd.DataFrame:
    """A CSV file, or every part of an import folder."""
    files = sorted(Path(uri).glob("*.csv")) if uri.endswith("/") else [Path(uri)]
    frames = [pd.read_csv(f, dtype={"USER_ID": str, "ITEM_ID": str}) for f in files]
    return pd.concat(frames, ignore_index=True)


def spread(n: int = 3000, users: int = 200) -> pd.DataFrame:
    """Events over 30 days (one every ~14 minutes)."""
    frame = interactions(n, users=users, items=80)
    frame["ts"] = (T0 + pd.Series(range(n)) * (30 * DAY // n)) * 1000
    return frame


def test_cutoff_is_days_before_the_latest_but_never_before_the_serving_data() -> None:
    latest = T0 + 30 * DAY
    assert holdout_cutoff(latest, 7, None) == latest - 7 * DAY
    assert holdout_cutoff(latest, 7, T0) == latest - 7 * DAY  # serving data ended long before
    assert holdout_cutoff(latest, 7, latest - 2 * DAY) == latest - 2 * DAY  # serving saw day 28


def test_holdout_holds_recent_rows_of_known_users_and_leaves_the_import(tmp_path: Path) -> None:
    frame = spread()
    result = run(tmp_path, frame, HoldoutSpec(days=7, max_users=50))
    held, imported = result.holdout, read(result.import_uri)
    assert held is not None
    holdout = read(held.uri)
    latest = T0 + (len(frame) - 1) * (30 * DAY // len(frame))
    assert held.cutoff == latest - 7 * DAY
    assert (holdout["TIMESTAMP"] > held.cutoff).all()
    assert held.users == holdout["USER_ID"].nunique() == 50
    assert held.rows == len(holdout) > 0
    # Nothing lost, nothing imported twice, and every held-out user is known to the model.
    assert len(imported) + len(holdout) == len(frame) == result.rows_in
    assert result.rows_out == len(imported)
    assert result.report.removed_by_rule[HOLDOUT_RULE] == held.rows
    key = ["USER_ID", "TIMESTAMP"]
    assert imported.merge(holdout[key], on=key).empty
    earlier = imported[imported["TIMESTAMP"] <= held.cutoff]
    assert set(holdout["USER_ID"]) <= set(earlier["USER_ID"])
    # Other users' recent rows stay in the import.
    recent = imported[imported["TIMESTAMP"] > held.cutoff]
    assert not recent.empty and not set(recent["USER_ID"]) & set(holdout["USER_ID"])
    # Beside the import file, never under its location.
    assert Path(held.uri).parent == Path(result.import_uri).parent
    assert not held.uri.startswith(result.import_uri)


def test_a_user_is_held_out_whatever_other_users_the_data_has(tmp_path: Path) -> None:
    frame = spread(6000)
    spec = HoldoutSpec(days=7, max_users=40)
    full = run(tmp_path, frame, spec, "full")
    some_users = frame[frame["user_id"] % 3 == 0]
    part = run(tmp_path, some_users, spec, "part")
    assert full.holdout is not None and part.holdout is not None
    chosen_full = set(read(full.holdout.uri)["USER_ID"])
    chosen_part = set(read(part.holdout.uri)["USER_ID"])
    in_part = {user for user in chosen_full if int(user) % 3 == 0}
    assert in_part and in_part <= chosen_part


def test_no_holdout_after_the_serving_data(tmp_path: Path) -> None:
    frame = spread()
    latest = T0 + (len(frame) - 1) * (30 * DAY // len(frame))
    result = run(tmp_path, frame, HoldoutSpec(days=7, max_users=50, not_before=latest))
    assert result.holdout is not None and result.holdout.rows == 0
    assert len(read(result.import_uri)) == len(frame)


def test_nothing_newer_holds_out_the_serving_versions_own_holdout_again(tmp_path: Path) -> None:
    frame = spread()
    latest = T0 + (len(frame) - 1) * (30 * DAY // len(frame))
    first = run(tmp_path, frame, HoldoutSpec(days=7, max_users=30), "first")
    assert first.holdout is not None
    users = sorted(read(first.holdout.uri)["USER_ID"].unique())
    previous = PreviousHoldout(cutoff=first.holdout.cutoff, users=users[:20])
    spec = HoldoutSpec(days=7, max_users=50, not_before=latest, again=previous)
    second = run(tmp_path, frame, spec, "second")
    assert second.holdout is not None and second.holdout.cutoff == first.holdout.cutoff
    held = read(second.holdout.uri)
    assert sorted(held["USER_ID"].unique()) == users[:20]
    assert (held["TIMESTAMP"] > first.holdout.cutoff).all()
    assert len(held) + len(read(second.import_uri)) == len(frame)


def test_new_users_of_a_full_export_are_held_out_and_listed(tmp_path: Path) -> None:
    frame = spread()
    late = frame["ts"] > (T0 + 27 * DAY) * 1000
    chosen = late & (frame.index % 10 == 0)  # five users new in the last days
    frame.loc[chosen, "user_id"] = 900 + (frame.index[chosen] // 10) % 5
    result = run(tmp_path, frame, HoldoutSpec(days=7, max_users=50))
    held = result.holdout
    assert held is not None and held.new_users_uri is not None
    newcomers = set(pd.read_csv(held.new_users_uri, dtype=str)["USER_ID"])
    assert newcomers == {str(900 + i) for i in range(5)}
    assert held.new_users == 5 and held.users == 55
    # Every row of theirs is held out: the models have never seen them.
    assert not newcomers & set(read(result.import_uri)["USER_ID"])
    assert newcomers <= set(read(held.uri)["USER_ID"])
