"""What the dataset holds already, read from the import files it was built from.

An INCREMENTAL import adds to the dataset's rows, so a per-user or per-item minimum must count
each user's (item's) whole history, not the new export alone: a returning user with one new
event has more interactions than that one. A FULL import replaces the rows, so what matters
there is how many it held (the shrink guard, ``guards.py``).

1. The flow passes the import files of the dataset's current rows: its latest FULL import and
   the INCREMENTAL ones after it (``flows.imports.current_imports``). A location that is a
   prefix means every ``.csv`` under it, as for Personalize.
2. :func:`read_earlier` streams them once: it counts rows, and when asked, rows per USER_ID and
   per ITEM_ID by the same 64-bit hash the spill keeps (``fingerprint.hash_column``), in
   partition files on disk (``counting.HashCounter``).
3. A file that cannot be read leaves the counts unknown: the minimums are then not applied to
   the new rows (dropping a returning user's events would lose data), and the report says so.
4. Rows of users forgotten since (``forget_users``: a data deletion job removed them from the
   dataset) are not counted: the dataset no longer holds them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import fsspec
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv

from tasks.prep.config import CleaningConfig, ImportGuards
from tasks.prep.counting import HashCounter
from tasks.prep.fingerprint import hash_column
from tasks.prep.import_folder import import_parts
from tasks.prep.report import DataReport
from tasks.prep.suppression import Suppression

ID_FIELDS = ("USER_ID", "ITEM_ID")


@dataclass
class Earlier:
    """The dataset's rows before this import: how many, and (when read) rows per id hash."""

    files: list[str] = field(default_factory=list)
    rows: int = 0
    forgotten_rows: int = 0
    """Rows of the files whose users were forgotten since: not counted in ``rows``."""
    per_id: dict[str, pd.Series] = field(default_factory=dict)
    unreadable: str | None = None

    @property
    def known(self) -> bool:
        """True when every earlier file was read."""
        return self.unreadable is None


def dataset_history(
    current_files: Sequence[str],
    cleaning: CleaningConfig,
    guards: ImportGuards | None,
    incremental: bool,
    report: DataReport,
    work: Path,
    forgotten: Suppression | None = None,
) -> Earlier | None:
    """What the dataset holds, read when a rule needs it (else None); noted in the report.
    The rows of ``forgotten`` users are not counted (a data deletion job removed them)."""
    minimums = {"USER_ID": cleaning.min_interactions_per_user}
    minimums["ITEM_ID"] = cleaning.min_interactions_per_item
    ids = [name for name, minimum in minimums.items() if incremental and minimum > 1]
    shrink_guard = not incremental and (guards is None or guards.max_shrink < 1)
    if not current_files or not (ids or shrink_guard):
        return None
    earlier = read_earlier(current_files, ids, work, forgotten)
    if not earlier.known:
        skipped = "minimums per user and item were not applied" if ids else "shrink guard"
        report.notes.append(
            f"Could not read the dataset's earlier import files ({earlier.unreadable}); "
            f"the {skipped} for this import."
        )
        return earlier
    report.earlier_rows = earlier.rows
    if earlier.forgotten_rows:
        report.notes.append(
            f"The dataset held {earlier.rows:,} rows before: its import files have "
            f"{earlier.forgotten_rows:,} more, of users forgotten since (forget_users)."
        )
    if ids:
        report.notes.append(
            f"Minimums per {' and '.join(n.split('_')[0].lower() for n in ids)} counted the "
            f"{earlier.rows:,} rows the dataset held before, from {len(earlier.files)} import "
            "file(s)."
        )
    return earlier


def read_earlier(
    uris: Sequence[str],
    id_fields: Sequence[str],
    work: Path,
    forgotten: Suppression | None = None,
) -> Earlier:
    """Rows of the files at ``uris`` and, for each of ``id_fields``, rows per id hash; rows of
    ``forgotten`` users are left out (and counted apart)."""
    earlier = Earlier()
    counters = {name: HashCounter(work / f"earlier-{name.lower()}") for name in id_fields}
    try:
        for uri in uris:
            for path in _csv_files(uri):
                earlier.files.append(path)
                rows, gone = _count(path, counters, forgotten)
                earlier.rows += rows
                earlier.forgotten_rows += gone
    except (OSError, ValueError, pa.ArrowException) as error:
        earlier.unreadable = f"{uri}: {error}"
        return earlier
    earlier.per_id = {name: counter.series() for name, counter in counters.items()}
    return earlier


def _csv_files(uri: str) -> list[str]:
    """The file at ``uri``, or every ``.csv`` under it when it is a prefix."""
    files = import_parts(uri)
    if not files:
        raise FileNotFoundError(f"no file or prefix at {uri}")
    return files


def _count(
    path: str, counters: dict[str, HashCounter], forgotten: Suppression | None
) -> tuple[int, int]:
    """Rows of one import file, and those of forgotten users (left out of the first); each id
    column's hashes of the rows kept go to its counter."""
    wanted = list(counters)
    users = forgotten if forgotten is not None and len(forgotten) else None
    columns = sorted({*wanted, "USER_ID"}) if users else wanted
    options = pacsv.ConvertOptions(
        include_columns=columns,
        column_types=dict.fromkeys(columns, pa.string()),
        include_missing_columns=users is not None,  # an items file has no USER_ID
    )
    rows = gone = 0
    with fsspec.open(path, "rb") as handle:
        for batch in pacsv.open_csv(handle, convert_options=options):
            if users is not None:
                hit = users.hits(batch["USER_ID"])
                gone += int(hit.sum())
                batch = batch.filter(pa.array(~hit))
            rows += batch.num_rows
            for name, counter in counters.items():
                counter.add(hash_column(batch[name]))
    return rows, gone
