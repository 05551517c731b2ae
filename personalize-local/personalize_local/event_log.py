"""Events received by PutEvents: appended to one JSON-lines file per event tracker.

Appending a line is cheap whatever the history's size; training and filters read the files of
the group's current trackers back as interaction rows (USER_ID, ITEM_ID, TIMESTAMP, EVENT_TYPE,
EVENT_VALUE, RECOMMENDATION_ID, IMPRESSION, and the fields the events' properties set). Files are keyed by tracking id, so the events of a deleted tracker are no longer
read, and a new tracker of the same name starts empty. A data deletion job rewrites the files
without the deleted users' events.
"""

from __future__ import annotations

import hashlib
import json
import threading
from pathlib import Path
from typing import Any

import pandas as pd

from personalize_local.kinds import EVENT_TRACKER
from personalize_local.resources import listed
from personalize_local.service import Service

_LOCK = threading.Lock()
COLUMNS = [
    "USER_ID",
    "ITEM_ID",
    "TIMESTAMP",
    "EVENT_TYPE",
    "EVENT_VALUE",
    "RECOMMENDATION_ID",
    "IMPRESSION",
    "EVENT_ATTRIBUTION_SOURCE",
]


def events_path(service: Service, tracking_id: str) -> Path:
    """The events file of an event tracker."""
    key = hashlib.sha1(tracking_id.encode()).hexdigest()[:16]
    return service.store.files("events", key) / "events.jsonl"


def append_events(service: Service, tracking_id: str, rows: list[dict[str, Any]]) -> None:
    """Append interaction rows (keys as in ``COLUMNS``) to a tracker's events."""
    lines = "".join(json.dumps(row, separators=(",", ":")) + "\n" for row in rows)
    with _LOCK, events_path(service, tracking_id).open("a", encoding="utf-8") as out:
        out.write(lines)


def _paths(service: Service, dataset_group_arn: str) -> list[Path]:
    trackers = listed(service, EVENT_TRACKER, parent=dataset_group_arn)
    return [events_path(service, t["trackingId"]) for t in trackers if "trackingId" in t]


def read_events(service: Service, dataset_group_arn: str) -> pd.DataFrame:
    """Every event the group's trackers received, as interaction rows (empty frame if none)."""
    frames = []
    for path in _paths(service, dataset_group_arn):
        if path.exists() and path.stat().st_size:
            with _LOCK:
                frames.append(pd.read_json(path, lines=True, convert_dates=False,
                                           dtype={"USER_ID": str, "ITEM_ID": str}))  # fmt: skip
    if not frames:
        return pd.DataFrame(columns=COLUMNS)
    events = pd.concat(frames, ignore_index=True)
    return events.reindex(columns=COLUMNS + [c for c in events.columns if c not in COLUMNS])


def forget_users(service: Service, dataset_group_arn: str, users: set[str]) -> int:
    """Remove these users' events from the group's trackers' files; return how many went."""
    removed = 0
    with _LOCK:
        for path in _paths(service, dataset_group_arn):
            if not path.exists():
                continue
            lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
            kept = [line for line in lines if str(json.loads(line)["USER_ID"]) not in users]
            if len(kept) < len(lines):
                removed += len(lines) - len(kept)
                tmp = path.with_suffix(".tmp")
                tmp.write_text("".join(kept), encoding="utf-8")
                tmp.replace(path)
    return removed


def events_stamp(service: Service, dataset_group_arn: str) -> int:
    """Changes whenever events are appended (the files' total size)."""
    return sum(p.stat().st_size for p in _paths(service, dataset_group_arn) if p.exists())
