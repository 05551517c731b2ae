"""Reading Parquet, CSV and JSON lines, one file or a prefix; errors name file and column."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from tasks.prep import reading
from tasks.prep.config import SourceConfig
from tasks.prep.errors import SourceError
from tasks.prep.reading import list_splits, read_batches
from tasks.prep.schema import DatasetSchema
from tests.tasks.prep.conftest import INTERACTIONS, MAPPING, interactions

SCHEMA = DatasetSchema.from_avro(INTERACTIONS, "INTERACTIONS")


def rows(source: SourceConfig) -> pd.DataFrame:
    batches = [b.batch.to_pandas() for b in read_batches(source, SCHEMA)]
    return pd.concat(batches, ignore_index=True)


@pytest.mark.parametrize("fmt", ["parquet", "csv", "jsonl"])
def test_each_format_reads_with_mapped_names(tmp_path: Path, fmt: str) -> None:
    frame = interactions(50)
    path = tmp_path / f"events.{fmt}"
    if fmt == "parquet":
        frame.to_parquet(path)
    elif fmt == "csv":
        frame.to_csv(path, index=False)
    else:
        frame.to_json(path, orient="records", lines=True)
    out = rows(SourceConfig(uri=str(path), columns=MAPPING))
    assert list(out.columns) == SCHEMA.names
    assert out["ITEM_ID"].tolist() == frame["sku"].tolist()
    assert [int(v) for v in out["USER_ID"]] == frame["user_id"].tolist()


def test_a_prefix_of_many_files_in_name_order_with_row_numbers(tmp_path: Path) -> None:
    frame = interactions(30)
    frame.iloc[:10].to_parquet(tmp_path / "a.parquet")
    frame.iloc[10:].to_csv(tmp_path / "b.csv", index=False)
    (tmp_path / "_SUCCESS").write_text("")
    batches = list(read_batches(SourceConfig(uri=str(tmp_path), columns=MAPPING), SCHEMA))
    assert [(Path(b.path).name, b.first_row, b.batch.num_rows) for b in batches] == [
        ("a.parquet", 0, 10),
        ("b.csv", 0, 20),
    ]


def test_missing_mapped_column_names_file_field_and_columns(tmp_path: Path) -> None:
    path = tmp_path / "events.parquet"
    interactions(5).drop(columns=["sku"]).to_parquet(path)
    with pytest.raises(
        SourceError,
        match=r"events.parquet has no column for ITEM_ID \(source column 'sku'\); its columns are",
    ):
        rows(SourceConfig(uri=str(path), columns=MAPPING))


def test_mapping_to_an_unknown_field(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match=r"maps \['PRICE'\], which the schema does not have"):
        rows(SourceConfig(uri=str(tmp_path), columns={"PRICE": "p"}))


def test_no_files_and_unreadable_file(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match="has no files"):
        rows(SourceConfig(uri=str(tmp_path / "nothing")))
    broken = tmp_path / "broken.parquet"
    broken.write_bytes(b"not parquet at all")
    with pytest.raises(SourceError, match=r"cannot read .*broken.parquet as parquet"):
        rows(SourceConfig(uri=str(broken)))
    odd = tmp_path / "events.xlsx"
    odd.write_bytes(b"x")
    with pytest.raises(SourceError, match=r"cannot tell the format of .*events.xlsx"):
        rows(SourceConfig(uri=str(odd)))


def test_optional_field_absent_from_the_source_reads_as_null(tmp_path: Path) -> None:
    schema = DatasetSchema.from_avro(
        {
            **INTERACTIONS,
            "fields": [*INTERACTIONS["fields"], {"name": "EVENT_VALUE", "type": ["null", "float"]}],
        },
        "INTERACTIONS",
    )
    path = tmp_path / "e.parquet"
    interactions(3).to_parquet(path)
    batch = next(read_batches(SourceConfig(uri=str(path), columns=MAPPING), schema)).batch
    assert batch.column("EVENT_VALUE").null_count == 3


@pytest.mark.parametrize("fmt", ["parquet", "csv", "jsonl"])
def test_a_zero_byte_file_is_called_empty(tmp_path: Path, fmt: str) -> None:
    # Issue 16: it said "has no column for USER_ID ... its columns are []".
    path = tmp_path / f"events.{fmt}"
    path.write_bytes(b"")
    with pytest.raises(SourceError, match=r"events\.\w+ is empty \(0 bytes\)"):
        rows(SourceConfig(uri=str(path), columns=MAPPING))


@pytest.mark.parametrize(
    ("workers", "groups_per_split"),
    # One worker: at most 800 rows a split, so two of 500.
    [(1, [5, 5]), (2, [5, 5]), (3, [4, 3, 3]), (4, [3, 2, 3, 2]), (8, [2, 2, 2, 2, 2])],
)
def test_row_groups_are_cut_into_about_one_split_per_worker(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, workers: int, groups_per_split: list[int]
) -> None:
    # 10 row groups of 100 rows; splits of 200 to 800 rows (as of 1M to 8M rows).
    monkeypatch.setattr(reading, "MIN_SPLIT_ROWS", 200)
    monkeypatch.setattr(reading, "MAX_SPLIT_ROWS", 800)
    path = tmp_path / "events.parquet"
    pq.write_table(pa.table({"USER_ID": [str(i) for i in range(1000)]}), path, row_group_size=100)
    splits = list_splits(SourceConfig(uri=str(path)), workers)
    assert [len(split.row_groups or ()) for split in splits] == groups_per_split
    assert [split.first_row for split in splits] == [
        100 * sum(groups_per_split[:i]) for i in range(len(groups_per_split))
    ]
    assert [g for split in splits for g in split.row_groups or ()] == list(range(10))
