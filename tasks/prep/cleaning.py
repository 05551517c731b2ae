"""The cleaning rules that need more than one row, and the plan a partition's steps share.

They run on one partition of the rows (every row of a user is in the same partition, see
``pipeline.py``): ``count_pass`` counts rows per user and item (by id hash), applies the cap
per user (each capped user's most recent N rows stay) and the minimum per user, and returns
the partition's item counts when a minimum per item is set (items span partitions, so their
counts are summed over all partitions before that rule applies). ``drop`` and ``kept`` apply
the plan to a batch. Rows removed by a rule are counted under the rule's name. For an
INCREMENTAL import the minimums also count the rows the dataset holds already (``earlier.py``;
each partition gets its users' share), or are not applied when those cannot be read.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from tasks.prep.config import CleaningConfig
from tasks.prep.counting import HashCounter, HashSet
from tasks.prep.earlier import Earlier
from tasks.prep.errors import PrepError
from tasks.prep.rowmask import RowMask
from tasks.prep.schema import DatasetSchema
from tasks.prep.spill import PartitionRows

SECONDS_PER_DAY = 86_400


@dataclass
class Plan:
    """What the cleaning decided before the write pass."""

    keep: RowMask
    cutoff: int | None = None
    drop_users: HashSet | None = None
    drop_items: HashSet | None = None


KEY_FIELDS = ("USER_ID", "ITEM_ID")


def hash_field(name: str) -> str:
    """The spill column holding the 64-bit hash of an id field."""
    return f"_hash_{name}"


def id_hashes(batch: pa.RecordBatch, name: str) -> np.ndarray:
    """The hashes of an id field's values, from a spilled batch."""
    return np.asarray(batch[hash_field(name)].to_numpy())


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


def drop(
    rows: pa.RecordBatch, keep: pa.Array, removed: dict[str, int], rule: str
) -> pa.RecordBatch:
    """Keep rows where ``keep`` is true; count the others under ``rule``."""
    kept = rows.filter(keep)
    removed[rule] = removed.get(rule, 0) + rows.num_rows - kept.num_rows
    return kept


def kept(batch: pa.RecordBatch, start: int, plan: Plan) -> pa.RecordBatch:
    """Rows of a spill batch that survived duplicates and the cap, inside the window."""
    batch = batch.filter(pa.array(plan.keep.get(start, batch.num_rows)))
    if plan.cutoff is not None:
        batch = batch.filter(pc.greater_equal(batch["TIMESTAMP"], plan.cutoff))
    return batch


def count_pass(
    spill: PartitionRows,
    cleaning: CleaningConfig,
    plan: Plan,
    removed: dict[str, int],
    work: Path,
    earlier: Earlier | None = None,
) -> pd.Series | None:
    """Applies the cap and the minimum per user; the item counts when items have a minimum.

    ``earlier``: the dataset's rows before this (INCREMENTAL) import, of this partition's users;
    the minimum per user counts them too.
    """
    cap = cleaning.max_interactions_per_user
    min_user, min_item = cleaning.min_interactions_per_user, cleaning.min_interactions_per_item
    if cap is None and min_user <= 1 and min_item <= 1:
        return None
    rows_in = plan.keep.rows
    users, items = HashCounter(work / "users", rows_in), HashCounter(work / "items", rows_in)
    for start, batch in spill.batches():
        rows = kept(batch, start, plan)
        users.add(id_hashes(rows, "USER_ID"))
        items.add(id_hashes(rows, "ITEM_ID"))
    if cap is not None:
        capped = users.keys_where(above=cap)
        if len(capped):
            removed[CAP_RULE] = apply_cap(spill, plan, capped, cap, items)
    if earlier is not None and not earlier.known:
        return None  # without the history a returning user's new rows would be wrongly dropped
    if min_user > 1:
        plan.drop_users = HashSet(below(users.series(), min_user, earlier, "USER_ID"))
    return items.series() if min_item > 1 else None


def below(counts: pd.Series, minimum: int, earlier: Earlier | None, field: str) -> np.ndarray:
    """Keys with fewer than ``minimum`` rows, counting the dataset's earlier rows if given."""
    if earlier is not None and field in earlier.per_id:
        counts = counts + earlier.per_id[field].reindex(counts.index, fill_value=0)
    return np.asarray(counts.index[counts.to_numpy() < minimum], np.uint64)


def apply_cap(
    spill: PartitionRows, plan: Plan, capped: np.ndarray, cap: int, items: HashCounter
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
