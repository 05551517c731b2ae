"""Reading what runs published: artifacts by key (the session's API holds more than a page)."""

from __future__ import annotations

from typing import Any

from prefect import get_client
from prefect.client.schemas.filters import ArtifactCollectionFilter, ArtifactCollectionFilterKey


def latest_artifacts(*keys: str, containing: str | None = None) -> dict[str, Any]:
    """The latest artifact of each of ``keys`` (or of every key containing ``containing``)."""
    wanted = ArtifactCollectionFilterKey(
        any_=list(keys) if keys else None, like_=containing if containing else None
    )
    with get_client(sync_client=True) as client:
        found = client.read_latest_artifacts(artifact_filter=ArtifactCollectionFilter(key=wanted))
    return {artifact.key: artifact for artifact in found}
