"""What a person sees: a progress artifact while waiting, drift as a table, no credentials."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from prefect import flow
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey

from tasks.aws import AwsSettings, session
from tasks.dataset_groups import ensure_dataset_group
from tasks.errors import DriftError
from tasks.reporting import artifact_key


def artifacts(key: str) -> list[Any]:
    with get_client(sync_client=True) as client:
        return client.read_artifacts(
            artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=[key]))
        )


def test_waiting_shows_progress_and_drift_leaves_a_table(aws: AwsSettings, unique: str) -> None:
    name = f"rep-{unique}"

    @flow
    def provision(domain: str | None = None) -> str:
        return ensure_dataset_group(aws, name, domain=domain)

    provision()
    (progress,) = artifacts(artifact_key("wait", "dataset-group", name))
    assert progress.type == "progress" and float(progress.data) == 100.0
    assert "ACTIVE" in (progress.description or "")

    with pytest.raises(DriftError):
        provision(domain="ECOMMERCE")
    (table,) = artifacts(artifact_key("drift", "dataset-group", name))
    assert table.type == "table" and "ECOMMERCE" in str(table.data)
    assert "stopped the run" in (table.description or "")


def test_credentials_from_a_block_never_reach_the_logs(
    aws: AwsSettings, unique: str, caplog: pytest.LogCaptureFixture
) -> None:
    from prefect_aws import AwsCredentials

    secret = f"secret-{unique}"
    AwsCredentials(aws_access_key_id=f"AKIA{unique.upper()}", aws_secret_access_key=secret).save(
        f"creds-{unique}"
    )
    settings = AwsSettings(region="us-east-1", credentials_block=f"creds-{unique}")
    with caplog.at_level(logging.DEBUG, logger="prefect"):
        arn = ensure_dataset_group(settings, f"cred-{unique}")
    assert arn.endswith(f"cred-{unique}")
    credentials = session(settings).get_credentials()
    assert credentials is not None and credentials.access_key == f"AKIA{unique.upper()}"
    assert secret not in caplog.text and secret not in settings.model_dump_json()
