"""The cleaning rules that need the whole data, and the plan the passes share.

``keep_mask`` gathers what the source pass and the duplicate finder decided into a bit per
row; ``count_pass`` counts rows per user and item (by id hash) for the minimums and applies
the cap per user (each capped user's most recent N rows stay); ``drop`` and ``kept`` apply
the plan to a batch. Rows removed by a rule are counted in the report under the rule's name.
For an INCREMENTAL import the minimums also count the rows the dataset holds already
(``earlier.py``), or are not applied when those cannot be read.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from tasks.prep.config import CleaningConfig
from tasks.prep.counting import HashCounter, HashSet
from tasks.prep.duplicates import DuplicateFinder
from tasks.prep.earlier import Earlier
from tasks.prep.errors import PrepError
from tasks.prep.report import DataReport
from tasks.prep.rowmask import RowMask
from tasks.prep.schema import DatasetSchema
from tasks.prep.spill import SpillFile

SECONDS_PER_DAY = 86_400


@dataclass
class Plan:
    """What the cleaning decided before the write pass."""

    keep: RowMask
    cutoff: int | None = None
    drop_users: HashSet | None = None
    drop_items: HashSet | None = None


KEY_FIELDS = ("USER_ID", "ITEM_ID")
# Rows of one spilled batch to leave out: (first row, number of rows, keep mask as bits).
LeftOut = tuple[int, int, np.ndarray]


def hash_field(name: str) -> str:
    """The spill column holding the 64-bit hash of an id field."""
    return f"_hash_{name}"


def id_hashes(batch: pa.RecordBatch, name: str) -> np.ndarray:
    """The hashes of an id field's values, from a spilled batch."""
    return np.asarray(batch[hash_field(name)].to_numpy())


def keep_mask(
    rows: int, finder: DuplicateFinder | None, left_out: list[LeftOut], report: DataReport
) -> RowMask:
    """A bit per spilled row, cleared for repeats, rejects and unlisted event types."""
    keep = RowMask(rows)
    if finder is not None:
        report.removed_by_rule["exact duplicate"] = finder.clear_repeats(keep)
    for first, count, packed in left_out:
        keep.keep_only(first, np.unpackbits(packed, count=count).astype(np.bool_))
    return keep


def check_cleaning(cleaning: CleaningConfig, schema: DatasetSchema) -> None:
    needs = {
        "event_types": (cleaning.event_types is not None, "EVENT_TYPE"),
        "window_days": (cleaning.window_days is not None, "TIMESTAMP"),
        "min_interactions_per_user": (cleaning.min_interactions_per_user > 1, "USER_ID"),
        "min_interactions_per_item": (cleaning.min_interactions_per_item > 1, "ITEM_ID"),
        "max_interactions_per_user": (cleaning.max_interactions_per_user is not None, "USER_ID"),
    }
    for option, (used, field) in needs.items():
        if used and (schema.dataset_type != "INTERACTIONS" or schema.field(field) is None):
            raise PrepError(
                f"cleaning.{option} needs interactions with a {field} field; "
                f"this {schema.dataset_type.lower()} schema has {schema.names}"
            )
    cap = cleaning.max_interactions_per_user
    if cap is not None and cap < cleaning.min_interactions_per_user:
        raise PrepError(
            f"cleaning.max_interactions_per_user ({cap}) is below "
            f"min_interactions_per_user ({cleaning.min_interactions_per_user})"
        )


EVENT_RULE = "event type not in cleaning.event_types"
WINDOW_RULE = "older than cleaning.window_days"
CAP_RULE = "beyond cleaning.max_interactions_per_user"
USER_RULE = "user below cleaning.min_interactions_per_user"
ITEM_RULE = "item below cleaning.min_interactions_per_item"


def drop(rows: pa.RecordBatch, keep: pa.Array, report: DataReport, rule: str) -> pa.RecordBatch:
    """Keep rows where ``keep`` is true; count the others under ``rule``."""
    kept = rows.filter(keep)
    report.removed_by_rule[rule] = (
        report.removed_by_rule.get(rule, 0) + rows.num_rows - kept.num_rows
    )
    return kept


def kept(batch: pa.RecordBatch, start: int, plan: Plan) -> pa.RecordBatch:
    """Rows of a spill batch that survived duplicates and the cap, inside the window."""
    batch = batch.filter(pa.array(plan.keep.get(start, batch.num_rows)))
    if plan.cutoff is not None:
        batch = batch.filter(pc.greater_equal(batch["TIMESTAMP"], plan.cutoff))
    return batch


def count_pass(
    spill: SpillFile,
    cleaning: CleaningConfig,
    plan: Plan,
    report: DataReport,
    work: Path,
    earlier: Earlier | None = None,
) -> None:
    """Counts per user and item for the minimums; applies the cap per user.

    ``earlier``: the dataset's rows before this (INCREMENTAL) import; the minimums count them too.
    """
    cap = cleaning.max_interactions_per_user
    min_user, min_item = cleaning.min_interactions_per_user, cleaning.min_interactions_per_item
    if cap is None and min_user <= 1 and min_item <= 1:
        return
    users, items = HashCounter(work / "users"), HashCounter(work / "items")
    for start, batch in spill.batches():
        rows = kept(batch, start, plan)
        users.add(id_hashes(rows, "USER_ID"))
        items.add(id_hashes(rows, "ITEM_ID"))
    if cap is not None:
        capped = users.keys_where(above=cap)
        if len(capped):
            report.removed_by_rule[CAP_RULE] = apply_cap(spill, plan, capped, cap, items)
    if earlier is not None and not earlier.known:
        return  # without the history a returning user's new rows would be wrongly dropped
    if min_user > 1:
        plan.drop_users = HashSet(_below(users, min_user, earlier, "USER_ID"))
    if min_item > 1:
        plan.drop_items = HashSet(_below(items, min_item, earlier, "ITEM_ID"))


def _below(counter: HashCounter, minimum: int, earlier: Earlier | None, field: str) -> np.ndarray:
    """Keys with fewer than ``minimum`` rows, counting the dataset's earlier rows if given."""
    if earlier is None or field not in earlier.per_id:
        return counter.keys_where(below=minimum)
    counts = counter.series()
    total = counts + earlier.per_id[field].reindex(counts.index, fill_value=0)
    return np.asarray(total.index[total.to_numpy() < minimum], np.uint64)


def apply_cap(
    spill: SpillFile, plan: Plan, capped: np.ndarray, cap: int, items: HashCounter
) -> int:
    """Keep each capped user's ``cap`` most recent rows (later rows first on equal times)."""
    bots = HashSet(capped)
    parts: list[tuple[np.ndarray, ...]] = []
    for start, batch in spill.batches():
        mask = bots.contains(id_hashes(batch, "USER_ID"))
        mask &= plan.keep.get(start, batch.num_rows)
        if plan.cutoff is not None:
            mask &= batch["TIMESTAMP"].to_numpy() >= plan.cutoff
        rows = np.flatnonzero(mask)
        parts.append(
            (
                id_hashes(batch, "USER_ID")[rows],
                batch["TIMESTAMP"].to_numpy()[rows],
                id_hashes(batch, "ITEM_ID")[rows],
                rows + start,
            )
        )
    user, time, item, row = (np.concatenate(column) for column in zip(*parts, strict=True))
    order = np.lexsort((-row, -time, user))
    user, item, row = user[order], item[order], row[order]
    starts = np.flatnonzero(np.r_[True, user[1:] != user[:-1]])
    position = np.arange(len(user)) - np.repeat(starts, np.diff(np.r_[starts, len(user)]))
    beyond = position >= cap
    plan.keep.clear(row[beyond])
    items.remove(item[beyond])
    return int(beyond.sum())
