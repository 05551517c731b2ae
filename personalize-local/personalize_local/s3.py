"""A loopback S3 that keeps its objects: moto's S3-protocol server, mirrored to files.

1. moto's server (a maintained, complete S3 protocol) answers every request, in this process,
   as one account (``--account-id`` of ``personalize-local serve``): S3, and the IAM and STS
   that the same server speaks, answer as the account the Personalize ARNs carry.
2. After a request that may change a bucket (PUT, POST or DELETE answered 2xx), :class:`Mirror`
   compares that bucket in moto's memory with its files under ``<data-dir>/s3/`` and writes or
   removes what differs: per object a body file and a JSON sidecar (key, ETag, metadata with the
   content type, last modified), and the bucket's policy (``bucket.policy``, removed with it).
   This happens before the response is sent, so an object or policy the client was told is
   stored is on disk even if the service is then killed.
3. On start, every mirrored bucket, its policy and its objects are loaded back into moto, ETag
   included, before the server answers: prepared files, holdouts, batch outputs and the policy
   that lets Personalize read them outlive a restart.

Kept: buckets, their policies and the latest version of each object, with its metadata. Not
kept: versions, tags, ACLs and multipart uploads in progress. IAM roles are kept the same way
under ``<data-dir>/iam/`` (``personalize_local.iam_roles``).
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import shutil
import threading
from collections.abc import Callable, Iterable
from datetime import datetime
from pathlib import Path
from typing import Any

from moto.moto_server.werkzeug_app import (
    DomainDispatcherApplication,
    MotoRequestHandler,
    create_backend_app,
)
from moto.s3.models import FakeKey, S3Backend, s3_backends
from werkzeug.serving import BaseWSGIServer, make_server

from personalize_local.iam_roles import RoleMirror

log = logging.getLogger("personalize_local.s3")

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]
CHANGING = frozenset({"PUT", "POST", "DELETE"})
POLICY_FILE = "bucket.policy"
ACCOUNT_HEADER = "HTTP_X_MOTO_ACCOUNT_ID"
"""moto answers a request as the account this header names (when MOTO_ACCOUNT_ID is unset)."""
_SIGNED_FOR = re.compile(r"Credential=[^/]+/\d{8}/[a-z0-9-]+/([a-z0-9-]+)/")


def backend(account_id: str) -> S3Backend:
    """moto's S3 state of ``account_id`` (the one every local client maps to)."""
    return s3_backends[account_id]["aws"]


class Mirror:
    """Keeps ``root`` equal to moto's buckets: one folder per bucket, two files per object."""

    def __init__(self, root: Path, account_id: str) -> None:
        self.root = root
        self.account_id = account_id
        self._lock = threading.Lock()
        self._synced: dict[str, dict[str, FakeKey]] = {}
        """Per mirrored bucket, the moto object each of its keys was last written from."""
        self._policies: dict[str, bytes | None] = {}
        """Per mirrored bucket, the policy last written (None: none)."""

    def load(self) -> int:
        """Put every mirrored bucket and object back into moto; returns the number of objects."""
        s3, loaded = backend(self.account_id), 0
        for folder in sorted(p for p in self.root.glob("*") if (p / "bucket.json").exists()):
            bucket = json.loads((folder / "bucket.json").read_text())
            if bucket["name"] not in s3.buckets:
                s3.create_bucket(bucket["name"], bucket["region"])
            policy = folder / POLICY_FILE
            if policy.exists():
                s3.put_bucket_policy(bucket["name"], policy.read_bytes())
            self._policies[bucket["name"]] = policy.read_bytes() if policy.exists() else None
            synced = self._synced.setdefault(bucket["name"], {})
            for sidecar in folder.glob("*.json"):
                if sidecar.name == "bucket.json":
                    continue
                meta = json.loads(sidecar.read_text())
                body = sidecar.with_suffix(".body").read_bytes()
                key = s3.put_object(
                    bucket["name"], meta["key"], body, etag=meta["etag"], disable_notification=True
                )
                key.set_metadata(meta["metadata"])
                key.last_modified = datetime.fromisoformat(meta["last_modified"])
                synced[meta["key"]] = key
                loaded += 1
        return loaded

    def sync(self, bucket: str | None = None) -> None:
        """Mirror one bucket (or every bucket, and forget the deleted ones) as moto holds it."""
        with self._lock:
            live = backend(self.account_id).buckets
            names = [bucket] if bucket else sorted({*live, *self._synced})
            for name in names:
                if name in live:
                    self._sync_bucket(name, live[name])
                elif name in self._synced or (self.root / name).exists():
                    shutil.rmtree(self.root / name, ignore_errors=True)
                    self._synced.pop(name, None)
                    self._policies.pop(name, None)

    def _sync_bucket(self, name: str, bucket: Any) -> None:
        folder = self.root / name
        if name not in self._synced:
            folder.mkdir(parents=True, exist_ok=True)
            info = {"name": name, "region": bucket.region_name}
            _write_atomic(folder / "bucket.json", json.dumps(info).encode())
        policy = bucket.policy
        if self._policies.get(name) != policy:
            if policy is None:
                (folder / POLICY_FILE).unlink(missing_ok=True)
            else:
                _write_atomic(folder / POLICY_FILE, policy)
            self._policies[name] = policy
        synced = self._synced.setdefault(name, {})
        current = _snapshot(bucket.keys)
        for key_name, key in current.items():
            if synced.get(key_name) is not key:
                self._write(folder, key)
                synced[key_name] = key
        for key_name in set(synced) - set(current):
            stem = folder / _file_stem(key_name)
            stem.with_suffix(".json").unlink(missing_ok=True)
            stem.with_suffix(".body").unlink(missing_ok=True)
            del synced[key_name]

    def _write(self, folder: Path, key: FakeKey) -> None:
        """The body first, then the sidecar: an object without its sidecar is not loaded."""
        stem = folder / _file_stem(key.name)
        _write_atomic(stem.with_suffix(".body"), key.value)
        meta = {
            "key": key.name,
            "etag": key.etag.strip('"'),
            "metadata": dict(key.metadata),
            "last_modified": key.last_modified.isoformat(),
        }
        _write_atomic(stem.with_suffix(".json"), json.dumps(meta).encode())


def mirrored(app: WSGIApp, buckets: Mirror, roles: RoleMirror) -> WSGIApp:
    """``app`` with every successful changing request mirrored before it is answered: an S3
    request to its bucket's files, an IAM request to the roles' files, moto's admin API (a
    reset) to both."""

    def answer(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        status: list[str] = []

        def start(code: str, headers: Any, *rest: Any) -> Any:
            status.append(code)
            return start_response(code, headers, *rest)

        response = app(environ, start)
        if environ.get("REQUEST_METHOD") in CHANGING and status[:1] and status[0][0] == "2":
            service, bucket = _signed_for(environ), _bucket_of(environ)
            if service in (None, "s3"):
                buckets.sync(bucket)
            if service == "iam" or (service is None and bucket is None):
                roles.sync()
        return response

    return answer


def as_account(app: WSGIApp, account_id: str) -> WSGIApp:
    """``app`` answering every request as ``account_id`` (moto's account header)."""

    def answer(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        environ[ACCOUNT_HEADER] = account_id
        return app(environ, start_response)

    return answer


def _signed_for(environ: dict[str, Any]) -> str | None:
    """The service a SigV4-signed request was signed for (``s3``, ``iam``, ``sts``), or None."""
    found = _SIGNED_FOR.search(str(environ.get("HTTP_AUTHORIZATION", "")))
    return found.group(1) if found else None


def _snapshot(keys: Any) -> dict[str, FakeKey]:
    """A bucket's latest objects by key, read again if another request changed them meanwhile."""
    while True:
        try:
            return dict(keys.items())
        except RuntimeError:  # "dictionary changed size during iteration"
            continue


def _bucket_of(environ: dict[str, Any]) -> str | None:
    """The bucket a path-style request names, or None (moto's admin API: check every bucket)."""
    first = str(environ.get("PATH_INFO", "")).lstrip("/").split("/", 1)[0]
    return None if not first or first == "moto-api" else first


def _file_stem(key: str) -> str:
    """A file name for an object key (keys may hold any character and nest like paths)."""
    return hashlib.sha256(key.encode()).hexdigest()[:40]


def _write_atomic(path: Path, data: bytes) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(data)
    tmp.replace(path)


class S3Server:
    """moto's server (S3, IAM, STS) on a thread, answering as ``account_id`` and mirroring S3
    to ``data_dir/s3`` and IAM roles to ``data_dir/iam`` when ``data_dir`` is given."""

    def __init__(self, host: str, port: int, data_dir: Path | None, account_id: str) -> None:
        app: WSGIApp = DomainDispatcherApplication(create_backend_app)
        if data_dir:
            buckets = Mirror(data_dir / "s3", account_id)
            roles = RoleMirror(data_dir / "iam", account_id)
            loaded = buckets.load()
            log.info("S3: %d object(s) loaded from %s", loaded, buckets.root)
            log.info("IAM: %d role(s) loaded from %s", roles.load(), roles.root)
            app = mirrored(app, buckets, roles)
        app = as_account(app, account_id)
        self._server: BaseWSGIServer = make_server(
            host, port, app, threaded=True, request_handler=MotoRequestHandler
        )
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def endpoint(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._thread.join()


def start_s3(
    account_id: str, host: str = "127.0.0.1", port: int = 0, data_dir: Path | None = None
) -> tuple[S3Server, str]:
    """Start the S3 server on loopback as ``account_id`` (objects and roles kept under
    ``data_dir``); return it and its URL."""
    server = S3Server(host, port, data_dir, account_id)
    server.start()
    return server, server.endpoint
