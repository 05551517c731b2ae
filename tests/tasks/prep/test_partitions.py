"""The result does not depend on how many partitions the rows are split into."""

from __future__ import annotations

from pathlib import Path

import pytest

from tasks.prep.config import CleaningConfig
from tasks.prep.import_folder import import_parts
from tasks.prep.pipeline import prepare
from tests.tasks.prep.conftest import INTERACTIONS
from tests.tasks.prep.equivalence import (
    CLEANING,
    CLEANING_IN_ONE_ROUND,
    assert_same,
    write_source,
)


@pytest.mark.parametrize("cleaning", [CLEANING, CLEANING_IN_ONE_ROUND], ids=["items", "no-items"])
def test_one_partition_and_five_give_the_same_rows_rejects_and_report(
    tmp_path: Path, cleaning: CleaningConfig
) -> None:
    source = write_source(tmp_path / "raw")
    results = [
        prepare(
            source,
            cleaning,
            INTERACTIONS,
            "interactions",
            str(tmp_path / f"p{n}" / "out"),
            partitions=n,
        )
        for n in (1, 5)
    ]
    assert_same(*results)
    item_rule = "item below cleaning.min_interactions_per_item"
    assert (results[0].report.removed_by_rule.get(item_rule, 0) > 0) == (cleaning is CLEANING)
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
