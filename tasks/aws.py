"""AWS clients built inside tasks from serialisable settings.

Tasks take an :class:`AwsSettings` (plain data, safe to pass between tasks and to store as a
parameter) and build their boto3 clients from it with :func:`client`, typed by the maintained
boto3 stubs so that ``mypy`` catches a misspelt operation or parameter. Endpoints come from the
standard ``AWS_ENDPOINT_URL_*`` variables that boto3 reads itself, so the same code reaches AWS
or the local Personalize service. The settings hold no secret: credentials come from the usual
boto3 chain, a named profile, or a prefect-aws ``AwsCredentials`` block named here.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, overload

import boto3
import botocore.session
from botocore.config import Config
from botocore.loaders import Loader, create_loader
from pydantic import BaseModel, ConfigDict, Field

from tasks.retries import watch_retries

if TYPE_CHECKING:  # the maintained stubs (boto3-stubs), a development dependency
    from mypy_boto3_iam import IAMClient
    from mypy_boto3_personalize import PersonalizeClient
    from mypy_boto3_personalize_events import PersonalizeEventsClient
    from mypy_boto3_personalize_runtime import PersonalizeRuntimeClient
    from mypy_boto3_s3 import S3Client


class AwsSettings(BaseModel):
    """Where and as whom to call AWS; no secrets, so it can travel as a task parameter."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    region: str | None = Field(
        default=None, description="AWS region; the standard chain (AWS_DEFAULT_REGION) if unset."
    )
    profile: str | None = Field(
        default=None, description="A named profile of ~/.aws/config.", examples=["personalize"]
    )
    credentials_block: str | None = Field(
        default=None,
        description="Name of a prefect-aws AwsCredentials block to use instead.",
        examples=["personalize-aws"],
    )
    max_attempts: int = Field(
        default=8,
        ge=1,
        le=20,
        description="Attempts per call, the first included (botocore adaptive retry mode).",
        examples=[10],
    )


def session(settings: AwsSettings) -> boto3.Session:
    """A boto3 session from the settings (a credentials block wins over a profile)."""
    if settings.credentials_block:
        from prefect_aws import AwsCredentials

        block: AwsCredentials = AwsCredentials.load(settings.credentials_block)  # type: ignore[assignment]
        if settings.region:
            block = block.model_copy(update={"region_name": settings.region})
        return block.get_boto3_session()
    core = botocore.session.Session()
    made = boto3.Session(
        botocore_session=core, profile_name=settings.profile, region_name=settings.region
    )
    # After boto3 set up the session's own loader (it appends its data path to the loader).
    core.register_component("data_loader", shared_loader(core.get_config_variable("data_path")))
    return made


@cache
def shared_loader(data_path: str | None) -> Loader:
    """botocore's data loader, one per process: each session's own would parse the service
    models and endpoint data again (about 0.1 s of CPU per client instead of 0.01 s)."""
    loader = create_loader(data_path)
    loader.search_paths.append(str(Path(boto3.__file__).parent / "data"))
    return loader


ServiceName = Literal["personalize", "personalize-runtime", "personalize-events", "s3", "iam"]


@overload
def client(settings: AwsSettings, service_name: Literal["personalize"]) -> PersonalizeClient: ...
@overload
def client(
    settings: AwsSettings, service_name: Literal["personalize-runtime"]
) -> PersonalizeRuntimeClient: ...
@overload
def client(
    settings: AwsSettings, service_name: Literal["personalize-events"]
) -> PersonalizeEventsClient: ...
@overload
def client(settings: AwsSettings, service_name: Literal["s3"]) -> S3Client: ...
@overload
def client(settings: AwsSettings, service_name: Literal["iam"]) -> IAMClient: ...
def client(settings: AwsSettings, service_name: ServiceName) -> Any:
    """A typed client (maintained boto3 stubs) with botocore's adaptive retries (client-side
    rate limiting on throttles), logged (``retries.watch_retries``)."""
    config = Config(
        retries={"mode": "adaptive", "total_max_attempts": settings.max_attempts},
        user_agent_extra="prefect-personalize",
    )
    made = session(settings).client(service_name, config=config)
    watch_retries(made)
    return made
