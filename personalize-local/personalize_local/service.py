"""The running service's shared parts: settings, store, jobs, faults, and its S3 client."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any, Protocol

import boto3
from botocore.config import Config

from personalize_local.faults import Faults
from personalize_local.resource_store import Store

DEFAULT_ACCOUNT = "000000000000"


@dataclass(frozen=True)
class Settings:
    """How the service runs: where it keeps state, how slow jobs are, where S3 is."""

    data_dir: Path
    latency: float = 0.0
    """Scale factor on Personalize's real job durations; 0 is instant (jobs still run async)."""
    account_id: str = DEFAULT_ACCOUNT
    s3_endpoint: str | None = None
    throttle: float = 0.0


@dataclass(frozen=True)
class Call:
    """One request: its validated parameters and the region it was signed for."""

    params: dict[str, Any]
    region: str
    account_id: str

    def arn(self, resource: str) -> str:
        """An ARN in this call's region and account, e.g. ``arn(f"schema/{name}")``."""
        return f"arn:aws:personalize:{self.region}:{self.account_id}:{resource}"


class Jobs(Protocol):
    """The background jobs that move resources through their statuses (``jobs.Lifecycle``)."""

    @property
    def closing(self) -> bool:
        """True once the service is stopping."""
        ...

    def begin(self, arn: str, verb: str = "CREATE", status_path: str = "status") -> None:
        """Start the job for a resource already stored in ``<verb> PENDING``."""
        ...


class Implementation(Protocol):
    """What the service implements (``registry.Registry``): handlers and each job's work."""

    @property
    def handlers(self) -> Mapping[str, Any]:
        """The operations' handlers, by operation name."""
        ...

    @property
    def inline(self) -> frozenset[str]:
        """Operations answered on the event loop."""
        ...

    @property
    def jobs(self) -> Mapping[tuple[str, str], Any]:
        """The work of each job, by (kind, verb)."""
        ...

    @property
    def final(self) -> Mapping[tuple[str, str], str]:
        """The status a successful job ends in, where not ACTIVE."""
        ...


@dataclass
class Service:
    """What every operation handler and background job works with.

    ``registry`` is what it implements: the operations' handlers and the work of each job
    (``personalize_local.registry.registry()``), given at construction so that jobs resumed at
    start-up find their work. ``lifecycle`` runs the jobs: whoever starts the service attaches
    one (``personalize_local.jobs.Lifecycle``), so this module depends on neither.
    """

    settings: Settings
    registry: Implementation
    store: Store = field(init=False)
    faults: Faults = field(init=False)
    lifecycle: Jobs = field(init=False)

    def __post_init__(self) -> None:
        self.store = Store(self.settings.data_dir)
        self.faults = Faults(self.settings.throttle)

    def s3(self) -> Any:
        """A boto3 S3 client for the configured endpoint (the loopback S3 by default).

        One client, made on first use and shared (boto3 clients are thread-safe). With no AWS
        credentials or region configured (a plain ``personalize-local serve``), it signs with
        placeholder credentials in us-east-1, which the loopback S3 accepts.
        """
        return self._s3_client

    @cached_property
    def _s3_client(self) -> Any:
        session = boto3.session.Session()
        fallback: dict[str, Any] = {}
        if session.get_credentials() is None:
            fallback |= {"aws_access_key_id": "local", "aws_secret_access_key": "local"}
        if session.region_name is None:
            fallback["region_name"] = "us-east-1"
        return session.client(
            "s3",
            endpoint_url=self.settings.s3_endpoint,
            config=Config(retries={"mode": "standard", "max_attempts": 3}),
            **fallback,
        )
