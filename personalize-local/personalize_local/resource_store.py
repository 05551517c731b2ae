"""The service's memory: resources as JSON documents in SQLite, bulk data as files beside it.

Everything the service knows lives under one data directory, so state survives a restart:
``state.db`` holds every resource (by ARN, with its kind and parent), its tags, and the jobs in
flight; imported rows and trained models are files under ``data/``.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from personalize_local.errors import ResourceAlreadyExistsException

_SCHEMA = """
CREATE TABLE IF NOT EXISTS resources (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    arn TEXT UNIQUE NOT NULL,
    kind TEXT NOT NULL,
    parent TEXT,
    body TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS resources_kind ON resources (kind, parent);
CREATE TABLE IF NOT EXISTS tags (
    arn TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL, PRIMARY KEY (arn, key)
);
CREATE TABLE IF NOT EXISTS jobs (
    arn TEXT NOT NULL, verb TEXT NOT NULL, status_path TEXT NOT NULL, PRIMARY KEY (arn, verb)
);
"""


class Store:
    """Thread-safe access to the resources, tags and in-flight jobs of one data directory."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        data_dir.mkdir(parents=True, exist_ok=True)
        self._lock = threading.RLock()
        self._db = sqlite3.connect(data_dir / "state.db", check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.executescript(_SCHEMA)
        self.generation = 0  # bumped by every change to a resource: a key for derived caches

    def files(self, *parts: str) -> Path:
        """A folder for a resource's bulk data (imported rows, models), created on demand."""
        path = self.data_dir.joinpath("data", *parts)
        path.mkdir(parents=True, exist_ok=True)
        return path

    def create(
        self, arn: str, kind: str, body: Mapping[str, Any], parent: str | None = None
    ) -> dict[str, Any]:
        """Store a new resource, stamped with its creation time; refuse an ARN in use."""
        now = time.time()
        body = {**body, "creationDateTime": now, "lastUpdatedDateTime": now}
        with self._lock, self._db:
            try:
                self._db.execute(
                    "INSERT INTO resources (arn, kind, parent, body) VALUES (?, ?, ?, ?)",
                    (arn, kind, parent, json.dumps(body)),
                )
            except sqlite3.IntegrityError:
                raise ResourceAlreadyExistsException(f"The {kind} {arn} already exists.") from None
            self.generation += 1
        return body

    def get(self, arn: str) -> dict[str, Any] | None:
        """The resource's document, or None."""
        with self._lock:
            row = self._db.execute("SELECT body FROM resources WHERE arn = ?", (arn,)).fetchone()
        return json.loads(row[0]) if row else None

    def get_with_kind(self, arn: str) -> tuple[str, dict[str, Any]] | None:
        """The kind a stored ARN was created as and its document, or None."""
        with self._lock:
            row = self._db.execute(
                "SELECT kind, body FROM resources WHERE arn = ?", (arn,)
            ).fetchone()
        return (row[0], json.loads(row[1])) if row else None

    def kind_of(self, arn: str) -> str | None:
        """The kind a stored ARN was created as, or None."""
        with self._lock:
            row = self._db.execute("SELECT kind FROM resources WHERE arn = ?", (arn,)).fetchone()
        return row[0] if row else None

    def update(self, arn: str, changes: dict[str, Any]) -> dict[str, Any]:
        """Merge top-level changes into a resource and stamp its update time."""
        with self._lock, self._db:
            row = self._db.execute("SELECT body FROM resources WHERE arn = ?", (arn,)).fetchone()
            if row is None:
                raise KeyError(arn)
            body = {**json.loads(row[0]), **changes, "lastUpdatedDateTime": time.time()}
            self._db.execute("UPDATE resources SET body = ? WHERE arn = ?", (json.dumps(body), arn))
            self.generation += 1
        return body

    def delete(self, arn: str) -> None:
        """Forget a resource and its tags."""
        with self._lock, self._db:
            self._db.execute("DELETE FROM resources WHERE arn = ?", (arn,))
            self._db.execute("DELETE FROM tags WHERE arn = ?", (arn,))
            self.generation += 1

    def delete_tree(self, arn: str) -> None:
        """Forget a resource, every resource under it (children's children too) and their tags."""
        with self._lock:
            rows = self._db.execute(
                "WITH RECURSIVE tree(arn) AS (SELECT ? UNION "
                "SELECT resources.arn FROM resources JOIN tree ON resources.parent = tree.arn) "
                "SELECT arn FROM tree",
                (arn,),
            ).fetchall()
            for (member,) in rows:
                self.delete(member)

    def list_kind(self, kind: str, parent: str | None = None) -> list[dict[str, Any]]:
        """Resources of a kind, oldest first, optionally only those under one parent."""
        query = "SELECT body FROM resources WHERE kind = ?"
        args: tuple[str, ...] = (kind,)
        if parent is not None:
            query += " AND parent = ?"
            args += (parent,)
        with self._lock:
            rows = self._db.execute(query + " ORDER BY seq", args).fetchall()
        return [json.loads(row[0]) for row in rows]

    def children(self, parent: str) -> list[tuple[str, str]]:
        """(kind, arn) of every resource whose parent is the given ARN."""
        with self._lock:
            rows = self._db.execute(
                "SELECT kind, arn FROM resources WHERE parent = ? ORDER BY seq", (parent,)
            ).fetchall()
        return [(kind, arn) for kind, arn in rows]

    def tags(self, arn: str) -> dict[str, str]:
        """The resource's tags."""
        with self._lock:
            rows = self._db.execute("SELECT key, value FROM tags WHERE arn = ?", (arn,))
            return dict(rows.fetchall())

    def set_tags(self, arn: str, tags: dict[str, str]) -> None:
        """Add or overwrite tags on a resource."""
        with self._lock, self._db:
            self._db.executemany(
                "INSERT OR REPLACE INTO tags (arn, key, value) VALUES (?, ?, ?)",
                [(arn, k, v) for k, v in tags.items()],
            )

    def remove_tags(self, arn: str, keys: list[str]) -> None:
        """Remove tags from a resource by key."""
        with self._lock, self._db:
            self._db.executemany(
                "DELETE FROM tags WHERE arn = ? AND key = ?", [(arn, k) for k in keys]
            )

    def job_started(self, arn: str, verb: str, status_path: str) -> None:
        """Remember a job in flight so that a restarted service resumes it."""
        with self._lock, self._db:
            self._db.execute(
                "INSERT OR REPLACE INTO jobs (arn, verb, status_path) VALUES (?, ?, ?)",
                (arn, verb, status_path),
            )

    def job_finished(self, arn: str, verb: str) -> None:
        """Forget a job that has reached a terminal state."""
        with self._lock, self._db:
            self._db.execute("DELETE FROM jobs WHERE arn = ? AND verb = ?", (arn, verb))

    def jobs_in_flight(self) -> list[tuple[str, str, str]]:
        """(arn, verb, status path) of every job that had not finished."""
        with self._lock:
            return list(self._db.execute("SELECT arn, verb, status_path FROM jobs").fetchall())
