"""The rows a dataset holds: one Parquet file per dataset, replaced atomically.

Imports (FULL or INCREMENTAL) and PutEvents write here; training, filters and the runtime read
from here. Columns are named as in the dataset's schema (``USER_ID``, ``ITEM_ID``, ...).
"""

from __future__ import annotations

import hashlib
import os
import threading
from pathlib import Path
from typing import Literal

import pandas as pd

from emulator.service import Service

ImportMode = Literal["FULL", "INCREMENTAL"]

# For items and users an incremental import replaces rows by id; interactions are appended.
_ID_COLUMN = {"ITEMS": "ITEM_ID", "USERS": "USER_ID", "ACTIONS": "ACTION_ID"}
_WRITE_LOCK = threading.Lock()


def _path(service: Service, dataset_arn: str) -> Path:
    key = hashlib.sha1(dataset_arn.encode()).hexdigest()[:16]
    return service.store.files("datasets", key) / "rows.parquet"


def dataset_path(service: Service, dataset_arn: str) -> Path:
    """The Parquet file holding a dataset's rows (it may not exist yet)."""
    return _path(service, dataset_arn)


def read_rows(service: Service, dataset_arn: str) -> pd.DataFrame:
    """Every row the dataset holds now (an empty frame if nothing was imported)."""
    path = _path(service, dataset_arn)
    return pd.read_parquet(path) if path.exists() else pd.DataFrame()


def row_count(service: Service, dataset_arn: str) -> int:
    """How many rows the dataset holds, without reading them."""
    import pyarrow.parquet as pq

    path = _path(service, dataset_arn)
    return pq.ParquetFile(path).metadata.num_rows if path.exists() else 0


def write_rows(
    service: Service, dataset_arn: str, dataset_type: str, rows: pd.DataFrame, mode: ImportMode
) -> int:
    """Store validated rows (FULL replaces, INCREMENTAL appends or replaces by id); return total.

    The file is replaced atomically, so a failure leaves the earlier rows as they were.
    """
    with _WRITE_LOCK:
        return _write(service, dataset_arn, dataset_type, rows, mode)


def _write(
    service: Service, dataset_arn: str, dataset_type: str, rows: pd.DataFrame, mode: ImportMode
) -> int:
    if mode == "INCREMENTAL":
        existing = read_rows(service, dataset_arn)
        id_column = _ID_COLUMN.get(dataset_type)
        if id_column and not existing.empty:
            existing = existing[~existing[id_column].isin(rows[id_column])]
        rows = pd.concat([existing, rows], ignore_index=True) if not existing.empty else rows
    path = _path(service, dataset_arn)
    tmp = path.with_suffix(".tmp")
    rows.reset_index(drop=True).to_parquet(tmp, index=False)
    os.replace(tmp, path)
    return len(rows)


def delete_rows(service: Service, dataset_arn: str) -> None:
    """Forget a deleted dataset's rows."""
    _path(service, dataset_arn).unlink(missing_ok=True)
