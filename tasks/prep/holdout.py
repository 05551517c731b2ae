"""The gate's holdout: recent interactions of a sample of known users, set aside, never imported.

The gate compares a new solution version with the serving one on interactions neither trained
on. Preparation sets them aside from the finished import file:

1. The cutoff (:func:`holdout_cutoff`): ``days`` before the data's latest TIMESTAMP, but never
   before the end of the data the serving version trained on (``not_before``), so the serving
   version has not seen the holdout either.
2. Users are eligible when the import has interactions of theirs both at or before the cutoff
   (the models know them) and after it (there is something to predict). Each user's 64-bit
   hash of USER_ID decides: the ``max_users`` eligible users with the smallest hashes are held
   out. The rule is per user (a hash and a threshold), so it gives the same answer for a user
   whichever subset of users a pass sees, and the same users run after run.
3. When no eligible user has interactions after that cutoff (an export with nothing newer than
   the serving version's data) and the serving version's own holdout is known (``again``), its
   users and cutoff are used instead: their later interactions were never imported, so neither
   version has seen them.
4. Their interactions after the cutoff are written to ``<type>.holdout.csv`` beside the import
   folder (never in it, so no import reads it); each part of the folder is rewritten without
   them. Streaming passes over the parts; memory holds one batch and the users' hashes.
5. New users of a FULL export (interactions after the cutoff only) are held out too, up to ``NEW_USER_SHARE`` of ``max_users`` by the same hash
   rule: the gate scores them as their own segment (cold start). Their ids are listed in
   ``<type>.holdout-new-users.csv`` beside the holdout.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import fsspec
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
from fsspec.implementations.local import LocalFileSystem
from pydantic import BaseModel, Field

from tasks.prep.fingerprint import hash_column
from tasks.prep.report import DataReport
from tasks.prep.writing import CsvSink, write_text

SECONDS_PER_DAY = 86_400
BLOCK_BYTES = 16 << 20
HOLDOUT_RULE = "held out for the gate"
NEW_USER_SHARE = 0.2
"""New users held out, as a share of ``max_users``: the segment the gate shows apart."""


class PreviousHoldout(BaseModel):
    """The serving version's own holdout: these users' interactions after ``cutoff`` were set
    aside when it was trained."""

    cutoff: int
    users: list[str]


class HoldoutSpec(BaseModel):
    """What to hold out: the last ``days`` of the data for up to ``max_users`` known users."""

    days: int = Field(gt=0)
    max_users: int = Field(gt=0)
    not_before: int | None = Field(
        default=None,
        description="End of the serving version's training data (epoch seconds); the cutoff "
        "is never earlier.",
    )
    again: PreviousHoldout | None = Field(
        default=None, description="Held out again when nothing is newer than ``not_before``."
    )


class Holdout(BaseModel):
    """The held-out interactions: where they are, the cutoff, how many users and rows."""

    uri: str
    cutoff: int
    users: int
    rows: int
    new_users: int = Field(
        default=0, description="Of ``users``, those with no interactions before the cutoff."
    )
    new_users_uri: str | None = Field(
        default=None, description="Their USER_IDs (CSV), beside the holdout."
    )


def holdout_uri(import_uri: str) -> str:
    """``.../interactions.holdout.csv`` beside the import folder ``.../interactions/`` (or the
    import file ``.../interactions.csv``)."""
    stem = import_uri.rstrip("/")
    stem = stem[: -len(".csv")] if stem.endswith(".csv") else stem
    return f"{stem}.holdout.csv"


def new_users_uri(import_uri: str) -> str:
    """``.../interactions.holdout-new-users.csv`` beside :func:`holdout_uri`."""
    return holdout_uri(import_uri).replace(".holdout.csv", ".holdout-new-users.csv")


def is_holdout_file(uri: str) -> bool:
    """Whether ``uri`` is a holdout file (:func:`holdout_uri`), not an import file or folder."""
    return uri.endswith(".holdout.csv")


def holdout_cutoff(latest: int, days: int, not_before: int | None) -> int:
    """Interactions after this time (epoch seconds) are held out; see the module docstring."""
    cutoff = latest - days * SECONDS_PER_DAY
    return cutoff if not_before is None else max(cutoff, not_before)


def hold_out(
    import_uri: str,
    columns: pa.Schema,
    spec: HoldoutSpec,
    report: DataReport,
    new_users: bool = True,
) -> Holdout | None:
    """Set the holdout aside (None when the data has no time span); count it in the report.
    ``new_users``: hold out new users too (not for an INCREMENTAL export, where a user new to
    it may have a history in the dataset)."""
    if report.time_end is None:
        return None
    held = set_aside(import_uri, columns, spec, report.time_end, new_users)
    report.rows_out -= held.rows
    report.holdout_cutoff = held.cutoff
    report.removed_by_rule[HOLDOUT_RULE] = held.rows
    return held


def set_aside(
    import_uri: str, columns: pa.Schema, spec: HoldoutSpec, latest: int, new_users: bool = True
) -> Holdout:
    """Move the holdout's rows from the import file (or the parts of the import folder) to
    :func:`holdout_uri`; what was moved."""
    files = _import_files(import_uri)
    cutoff = holdout_cutoff(latest, spec.days, spec.not_before)
    chosen, new = _chosen_users(_all_batches(files, columns), cutoff, spec.max_users)
    if not len(chosen) and spec.again is not None:
        cutoff = spec.again.cutoff
        allowed = hash_column(pa.array(spec.again.users, pa.string()))
        chosen, new = _chosen_users(_all_batches(files, columns), cutoff, spec.max_users, allowed)
    new = new if new_users else new[:0]
    everyone = np.union1d(chosen, new)
    target = holdout_uri(import_uri)
    newcomers: set[str] = set()
    with CsvSink(target, columns) as held, tempfile.TemporaryDirectory(prefix="holdout-") as work:
        for uri in files:
            fs, path = fsspec.core.url_to_fs(uri)
            kept = str(Path(work) / "part.csv")
            with CsvSink(kept, columns) as imported:
                for batch in _batches(uri, columns):
                    out = _held_rows(batch, everyone, cutoff)
                    held.write(batch.filter(out))
                    imported.write(batch.filter(pc.invert(out)))
                    if len(new):
                        users = batch.column("USER_ID")
                        newcomer = np.isin(hash_column(users), new)
                        newcomers.update(users.filter(pa.array(newcomer)).to_pylist())
            if isinstance(fs, LocalFileSystem):
                shutil.move(kept, path)
            else:
                fs.put_file(kept, path)
    listed = new_users_uri(import_uri)
    write_text(listed, "USER_ID\n" + "".join(f"{user}\n" for user in sorted(newcomers)))
    return Holdout(
        uri=target,
        cutoff=cutoff,
        users=len(everyone),
        rows=held.rows,
        new_users=len(new),
        new_users_uri=listed,
    )


def _import_files(import_uri: str) -> list[str]:
    """The CSV files an import reads: the file, or every ``.csv`` in the folder."""
    if not import_uri.endswith("/"):
        return [import_uri]
    fs, path = fsspec.core.url_to_fs(import_uri)
    if not fs.exists(path):
        return []
    return [fs.unstrip_protocol(f) for f in sorted(fs.find(path)) if f.endswith(".csv")]


def _all_batches(files: list[str], columns: pa.Schema) -> Iterator[pa.RecordBatch]:
    """Every file's rows, batch by batch."""
    for uri in files:
        yield from _batches(uri, columns)


def _batches(uri: str, columns: pa.Schema) -> Iterator[pa.RecordBatch]:
    """The import file's rows, batch by batch, typed as written."""
    options = pacsv.ConvertOptions(
        column_types={field.name: field.type for field in columns},
        strings_can_be_null=True,
        quoted_strings_can_be_null=False,
    )
    with fsspec.open(uri, "rb") as handle:
        reader = pacsv.open_csv(
            handle,
            read_options=pacsv.ReadOptions(block_size=BLOCK_BYTES),
            convert_options=options,
        )
        yield from reader


def _chosen_users(
    batches: Iterator[pa.RecordBatch],
    cutoff: int,
    max_users: int,
    allowed: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Sorted USER_ID hashes of the held-out known users (module docstring, steps 2 and 3),
    and of the new users held out (step 5; none when held out again)."""
    before: list[np.ndarray] = []
    after: list[np.ndarray] = []
    for batch in batches:
        users = hash_column(batch.column("USER_ID"))
        late = _after(batch, cutoff)
        before.append(np.unique(users[~late]))
        after.append(np.unique(users[late]))
    known = np.unique(np.concatenate(before)) if before else np.empty(0, np.uint64)
    recent = np.unique(np.concatenate(after)) if after else np.empty(0, np.uint64)
    eligible = np.intersect1d(known, recent, assume_unique=True)
    if allowed is not None:
        return np.intersect1d(eligible, allowed)[:max_users], np.empty(0, np.uint64)
    newcomers = np.setdiff1d(recent, known, assume_unique=True)
    return eligible[:max_users], newcomers[: max(1, round(max_users * NEW_USER_SHARE))]


def _after(batch: pa.RecordBatch, cutoff: int) -> np.ndarray:
    """Rows newer than the cutoff, as a numpy mask."""
    times = batch.column("TIMESTAMP").cast(pa.int64())
    return np.asarray(pc.fill_null(pc.greater(times, cutoff), False).to_numpy(zero_copy_only=False))


def _held_rows(batch: pa.RecordBatch, chosen: np.ndarray, cutoff: int) -> pa.Array:
    """The batch's rows that belong to the holdout."""
    users = hash_column(batch.column("USER_ID"))
    return pa.array(np.isin(users, chosen, assume_unique=False) & _after(batch, cutoff))
