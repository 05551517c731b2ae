"""Events received by PutEvents: appended to one JSON-lines file per dataset group.

Appending a line is cheap whatever the history's size; training and filters read the file back
as interaction rows (USER_ID, ITEM_ID, TIMESTAMP, EVENT_TYPE, EVENT_VALUE).
"""

from __future__ import annotations

import hashlib
import json
import threading
from pathlib import Path
from typing import Any

import pandas as pd

from emulator.service import Service

_LOCK = threading.Lock()
COLUMNS = ["USER_ID", "ITEM_ID", "TIMESTAMP", "EVENT_TYPE", "EVENT_VALUE"]


def events_path(service: Service, dataset_group_arn: str) -> Path:
    """The events file of a dataset group."""
    key = hashlib.sha1(dataset_group_arn.encode()).hexdigest()[:16]
    return service.store.files("events", key) / "events.jsonl"


def append_events(service: Service, dataset_group_arn: str, rows: list[dict[str, Any]]) -> None:
    """Append interaction rows (keys as in ``COLUMNS``) to the group's events."""
    lines = "".join(json.dumps(row, separators=(",", ":")) + "\n" for row in rows)
    with _LOCK, events_path(service, dataset_group_arn).open("a", encoding="utf-8") as out:
        out.write(lines)


def read_events(service: Service, dataset_group_arn: str) -> pd.DataFrame:
    """Every event received for the group, as interaction rows (empty frame if none)."""
    path = events_path(service, dataset_group_arn)
    if not path.exists() or path.stat().st_size == 0:
        return pd.DataFrame(columns=COLUMNS)
    with _LOCK:
        frame = pd.read_json(
            path, lines=True, convert_dates=False, dtype={"USER_ID": str, "ITEM_ID": str}
        )
    return frame.reindex(columns=COLUMNS)


def events_stamp(service: Service, dataset_group_arn: str) -> int:
    """Changes whenever events are appended (the file's size)."""
    path = events_path(service, dataset_group_arn)
    return path.stat().st_size if path.exists() else 0
