"""Reading what runs published: artifacts by key (the session's API holds more than a page)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from prefect import get_client
from prefect.client.schemas.filters import ArtifactCollectionFilter, ArtifactCollectionFilterKey

MARKDOWN_BLOCK = re.compile(r"^ {0,3}(?:[-+*](?:\s|$)|>|#{1,6}(?:\s|$)|\d{1,9}[.)](?:\s|$))")
"""How a line starts that Markdown reads as a list item, a blockquote or a heading."""


def latest_artifacts(*keys: str, containing: str | None = None) -> dict[str, Any]:
    """The latest artifact of each of ``keys`` (or of every key containing ``containing``)."""
    wanted = ArtifactCollectionFilterKey(
        any_=list(keys) if keys else None, like_=containing if containing else None
    )
    with get_client(sync_client=True) as client:
        found = client.read_latest_artifacts(artifact_filter=ArtifactCollectionFilter(key=wanted))
    return {artifact.key: artifact for artifact in found}


def misread_cells(rows: Iterable[Mapping[str, Any]]) -> list[str]:
    """The cells of a table artifact that the Prefect UI would show as something else: it
    renders each text cell as Markdown, so "-" is an empty bullet and ">= 0.02" a blockquote
    (issue 23). Numbers are shown as written."""
    cells = [value for row in rows for value in row.values() if isinstance(value, str)]
    return [cell for cell in cells if MARKDOWN_BLOCK.match(cell)]
