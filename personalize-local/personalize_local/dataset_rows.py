"""The rows a dataset holds: bulk rows and individually put rows, one Parquet file each.

1. Imports write the bulk file (FULL replaces it, INCREMENTAL appends or replaces by id);
   PutItems, PutUsers, PutActions and PutActionInteractions append to the put file. Personalize
   keeps the two apart: a FULL import replaces only bulk data, and an export chooses BULK, PUT
   or ALL. Of two interactions (or action interactions) with the same timestamp and identical
   properties, one is kept (developer guide, "Importing bulk data ... with a dataset import
   job"; docs/aws-facts.md#import-modes): an export sent twice adds nothing the second time.
2. Every row carries the time it arrived (a hidden column), so the combined view
   (``read_rows``: what training, filters and the runtime read) keeps the newest row of an
   item, user or action id whichever way it came.
3. A data deletion job removes a user's rows from both files.
Files are replaced atomically, so a failure leaves the earlier rows as they were. Columns are
named as in the dataset's schema (``USER_ID``, ``ITEM_ID``, ...).
"""

from __future__ import annotations

import hashlib
import os
import threading
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Literal

import pandas as pd

from personalize_local.service import Service

ImportMode = Literal["FULL", "INCREMENTAL"]
Source = Literal["bulk", "put"]

ID_COLUMN = {"ITEMS": "ITEM_ID", "USERS": "USER_ID", "ACTIONS": "ACTION_ID"}
"""Datasets of these types hold one row per id; interactions are appended."""
ARRIVED = "_arrived"
_WRITE_LOCK = threading.RLock()
_FILES: dict[Source, str] = {"bulk": "rows.parquet", "put": "put.parquet"}


def _path(service: Service, dataset_arn: str, source: Source = "bulk") -> Path:
    key = hashlib.sha1(dataset_arn.encode()).hexdigest()[:16]
    return service.store.files("datasets", key) / _FILES[source]


def dataset_paths(service: Service, dataset_arn: str) -> list[Path]:
    """The Parquet files holding a dataset's rows (they may not exist yet)."""
    return [_path(service, dataset_arn, source) for source in _FILES]


def _read(service: Service, dataset_arn: str, source: Source) -> pd.DataFrame:
    """One file's rows with their arrival column (an empty frame if none)."""
    path = _path(service, dataset_arn, source)
    return pd.read_parquet(path) if path.exists() else pd.DataFrame()


def _visible(rows: pd.DataFrame) -> pd.DataFrame:
    return rows.drop(columns=[ARRIVED], errors="ignore").reset_index(drop=True)


def read_source(service: Service, dataset_arn: str, source: Source) -> pd.DataFrame:
    """The rows that arrived one way: imported in bulk, or put one by one (all of them)."""
    return _visible(_read(service, dataset_arn, source))


def read_rows(service: Service, dataset_arn: str) -> pd.DataFrame:
    """Every row the dataset holds now, the newest per id for items, users and actions."""
    frames = [f for f in (_read(service, dataset_arn, s) for s in _FILES) if not f.empty]
    if not frames:
        return pd.DataFrame()
    rows = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
    id_column = ID_COLUMN.get(_type_of(dataset_arn))
    if len(frames) > 1 and id_column and id_column in rows:
        if ARRIVED in rows:
            rows = rows.sort_values(ARRIVED, kind="stable", na_position="first")
        rows = rows.drop_duplicates(id_column, keep="last")
    elif len(frames) > 1:
        rows = _once(rows)
    return _visible(rows)


def _once(rows: pd.DataFrame) -> pd.DataFrame:
    """Interactions with identical values (the arrival time aside), the first of each kept."""
    return rows.drop_duplicates([c for c in rows.columns if c != ARRIVED], keep="first")


def _type_of(dataset_arn: str) -> str:
    """The dataset type an ARN names (``dataset/<group>/<TYPE>``)."""
    return dataset_arn.rsplit("/", 1)[-1].upper()


def write_rows(
    service: Service, dataset_arn: str, dataset_type: str, rows: pd.DataFrame, mode: ImportMode
) -> int:
    """Store imported rows (FULL replaces, INCREMENTAL appends or replaces by id); return total.

    Only bulk rows are replaced: rows put one by one stay, as in Personalize.
    """
    with _WRITE_LOCK:
        rows = rows.assign(**{ARRIVED: time.time()})
        id_column = ID_COLUMN.get(dataset_type)
        if mode == "INCREMENTAL":
            existing = _read(service, dataset_arn, "bulk")
            if id_column and not existing.empty:
                existing = existing[~existing[id_column].isin(rows[id_column])]
            rows = pd.concat([existing, rows], ignore_index=True) if not existing.empty else rows
        if not id_column:
            rows = _once(rows)
        _replace(_path(service, dataset_arn, "bulk"), rows)
        return len(rows)


def put_rows(service: Service, dataset_arn: str, rows: pd.DataFrame) -> int:
    """Append rows put one by one (PutItems and the like); return how many the dataset put."""
    with _WRITE_LOCK:
        existing = _read(service, dataset_arn, "put")
        rows = rows.assign(**{ARRIVED: time.time()})
        if not existing.empty:
            rows = pd.concat([existing, rows], ignore_index=True)
        if not ID_COLUMN.get(_type_of(dataset_arn)):
            rows = _once(rows)
        _replace(_path(service, dataset_arn, "put"), rows)
        return len(rows)


def delete_users(service: Service, dataset_arn: str, users: Iterable[str]) -> int:
    """Remove every row of these users (``USER_ID``) from a dataset; return how many went."""
    wanted = set(users)
    removed = 0
    with _WRITE_LOCK:
        for source in _FILES:
            rows = _read(service, dataset_arn, source)
            if rows.empty or "USER_ID" not in rows:
                continue
            gone = rows["USER_ID"].astype(str).isin(wanted)
            if gone.any():
                removed += int(gone.sum())
                _replace(_path(service, dataset_arn, source), rows[~gone])
    return removed


def _replace(path: Path, rows: pd.DataFrame) -> None:
    tmp = path.with_suffix(".tmp")
    rows.reset_index(drop=True).to_parquet(tmp, index=False)
    os.replace(tmp, path)


def delete_rows(service: Service, dataset_arn: str) -> None:
    """Forget a deleted dataset's rows."""
    for path in dataset_paths(service, dataset_arn):
        path.unlink(missing_ok=True)
