"""The training data of a dataset group: imported interactions plus events received."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from personalize_local import dataset_rows
from personalize_local.event_log import events_stamp, read_events
from personalize_local.kinds import DATASET
from personalize_local.resources import listed
from personalize_local.service import Service

INTERACTION_TYPES = ("INTERACTIONS", "EVENT_INTERACTIONS")


@dataclass(frozen=True)
class GroupData:
    """What a dataset group holds: interactions (imported and from events), items, users."""

    interactions: pd.DataFrame
    items: pd.DataFrame | None
    users: pd.DataFrame | None

    def catalogue(self) -> np.ndarray:
        """Every item id known from interactions or the items dataset, sorted."""
        columns = [self.interactions["ITEM_ID"]]
        if self.items is not None and "ITEM_ID" in self.items:
            columns.append(self.items["ITEM_ID"])
        ids = pd.concat(columns, ignore_index=True).dropna().astype(str).unique()
        return np.sort(np.asarray(ids, dtype=object))


def _datasets(service: Service, group_arn: str) -> dict[str, str]:
    """Dataset type (upper case) -> dataset ARN, for the group's datasets."""
    return {
        str(body.get("datasetType", "")).upper(): body["datasetArn"]
        for body in listed(service, DATASET, parent=group_arn)
        if "datasetArn" in body
    }


def load_group(service: Service, group_arn: str) -> GroupData:
    """Read every row of the group's datasets, and the events PutEvents received."""
    datasets = _datasets(service, group_arn)
    frames = [
        dataset_rows.read_rows(service, datasets[t]) for t in INTERACTION_TYPES if t in datasets
    ]
    frames.append(read_events(service, group_arn))
    frames = [f for f in frames if not f.empty]
    interactions = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    for column in ("USER_ID", "ITEM_ID", "TIMESTAMP"):
        if column not in interactions:
            interactions[column] = pd.Series(dtype=object)
    interactions = interactions.dropna(subset=["USER_ID", "ITEM_ID"])
    interactions = interactions.astype({"USER_ID": str, "ITEM_ID": str, "TIMESTAMP": np.int64})

    def optional(kind: str) -> pd.DataFrame | None:
        rows = dataset_rows.read_rows(service, datasets[kind]) if kind in datasets else None
        return rows if rows is not None and not rows.empty else None

    return GroupData(interactions, optional("ITEMS"), optional("USERS"))


def data_stamp(
    service: Service, group_arn: str, types: tuple[str, ...] | None = None
) -> tuple[float, ...]:
    """Changes when the group's rows change (imports and puts replace files; events append);
    only the rows of datasets of these ``types`` (and events) when given."""
    stamps: list[float] = [events_stamp(service, group_arn)]
    datasets = _datasets(service, group_arn)
    for arn in sorted(a for t, a in datasets.items() if types is None or t in types):
        for path in dataset_rows.dataset_paths(service, arn):
            stamps.append(path.stat().st_mtime_ns if path.exists() else 0)
    return tuple(stamps)


def select(
    interactions: pd.DataFrame, event_type: str | None, event_value_threshold: float | None
) -> pd.DataFrame:
    """The interactions a solution trains on: of its event type, at or above its threshold."""
    rows = interactions
    if event_type and "EVENT_TYPE" in rows:
        rows = rows[rows["EVENT_TYPE"] == event_type]
    if event_value_threshold is not None and "EVENT_VALUE" in rows:
        values = pd.to_numeric(rows["EVENT_VALUE"], errors="coerce")
        rows = rows[values.isna() | (values >= event_value_threshold)]
    return rows
