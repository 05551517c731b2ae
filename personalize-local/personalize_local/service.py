"""The running service's shared parts: settings, store, jobs, faults, and its S3 client."""

from __future__ import annotations

from collections.abc import Callable
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


Handler = Callable[["Service", Call], dict[str, Any]]
"""An operation's handler: the service and the call in, the response document out."""


class Jobs(Protocol):
    """The background jobs as handlers and work see them (``personalize_local.jobs.Lifecycle``)."""

    @property
    def closing(self) -> bool:
        """True once the service is shutting down."""
        ...

    def begin(self, arn: str, verb: str = "CREATE", status_path: str = "status") -> None:
        """Start the job of a resource stored in ``<verb> PENDING``."""
        ...


@dataclass
class Service:
    """What every operation handler and background job works with.

    ``lifecycle`` runs its jobs: the app builds it with the work of each job and attaches it
    (``personalize_local.app.build_service``) before the first call.
    """

    settings: Settings
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
