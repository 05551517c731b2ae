"""The result does not depend on how many partitions the rows are split into."""

from __future__ import annotations

from pathlib import Path

from tasks.prep.import_folder import import_parts
from tasks.prep.pipeline import prepare
from tests.tasks.prep.conftest import INTERACTIONS
from tests.tasks.prep.equivalence import CLEANING, assert_same, write_source


def test_one_partition_and_five_give_the_same_rows_rejects_and_report(tmp_path: Path) -> None:
    source = write_source(tmp_path / "raw")
    results = [
        prepare(
            source,
            CLEANING,
            INTERACTIONS,
            "interactions",
            str(tmp_path / f"p{n}" / "out"),
            partitions=n,
        )
        for n in (1, 5)
    ]
    assert_same(*results)
    assert len(import_parts(results[0].import_uri)) == 1
    assert len(import_parts(results[1].import_uri)) == 5


def test_a_rerun_into_the_same_folder_leaves_only_its_own_parts(tmp_path: Path) -> None:
    source = write_source(tmp_path / "raw")
    output = str(tmp_path / "out")
    prepare(source, CLEANING, INTERACTIONS, "interactions", output, partitions=6)
    result = prepare(source, CLEANING, INTERACTIONS, "interactions", output, partitions=2)
    assert [Path(p).name for p in import_parts(result.import_uri)] == [
        "part-00000.csv", "part-00001.csv",
    ]  # fmt: skip
