"""Forgotten users' rows never reach the import file, nor the rejects file; they are counted."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from tasks.prep.config import CleaningConfig, SourceConfig
from tasks.prep.errors import SourceError
from tasks.prep.import_folder import read_import
from tasks.prep.pipeline import PrepResult, prepare
from tasks.prep.suppression import FORGOTTEN_RULE, Suppression
from tests.tasks.prep.conftest import INTERACTIONS, MAPPING, interactions


def _prepare(tmp_path: Path, frame: pd.DataFrame, forgotten: str | None) -> tuple[Path, PrepResult]:
    source = tmp_path / "raw" / "events.parquet"
    source.parent.mkdir(exist_ok=True)
    frame.to_parquet(source)
    result = prepare(
        SourceConfig(uri=str(source), columns=MAPPING),
        CleaningConfig(forgotten_users_uri=forgotten),
        INTERACTIONS,
        "interactions",
        str(tmp_path / "out"),
    )
    return tmp_path / "out", result


def test_forgotten_users_are_dropped_from_imports_and_rejects(tmp_path: Path) -> None:
    folder = tmp_path / "forgotten"
    folder.mkdir()
    (folder / "request-1.csv").write_text("USER_ID\n3\n7\n")
    (folder / "request-2.csv").write_text("USER_ID\n 11 \n")
    frame = interactions().astype({"sku": object})
    bad = frame.index[frame["user_id"] == 3][:2]
    frame.loc[bad, "sku"] = None  # rows that would be rejects: they must not be kept either
    forgotten_rows = int(frame["user_id"].isin([3, 7, 11]).sum())

    out, result = _prepare(tmp_path, frame, str(folder) + "/")
    written = read_import(result.import_uri, ["USER_ID"])
    assert not {"3", "7", "11"} & set(written["USER_ID"])
    assert result.report.removed_by_rule[FORGOTTEN_RULE] == forgotten_rows
    assert result.rows_out == len(frame) - forgotten_rows
    rejects = pd.read_csv(out / "interactions.rejects.csv", dtype=str)
    assert rejects.empty and result.rows_rejected == 0
    assert FORGOTTEN_RULE in result.report.markdown()


def test_no_suppression_folder_yet_forgets_no_one(tmp_path: Path) -> None:
    frame = interactions()
    _, result = _prepare(tmp_path, frame, str(tmp_path / "none-yet") + "/")
    assert result.rows_out == len(frame)
    assert FORGOTTEN_RULE not in result.report.removed_by_rule


def test_a_suppression_file_without_user_ids_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "list.csv").write_text("ITEM_ID\nx\n")
    with pytest.raises(SourceError, match="no USER_ID column"):
        Suppression.load(str(tmp_path))
