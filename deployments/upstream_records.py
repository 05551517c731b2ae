"""Example upstream flows for the data lifecycle: a catalogue change, and an erasure request.

- ``publish_new_items`` stands for a product system: it builds a DataFrame of new items in its
  own column names (``sku``, ``category``: the configuration's ``source.columns`` map them) and
  sends them with ``flows.update_records.send_frame`` (PutItems, 10 per call, checked first).
  A Parquet file of changes goes through the ``update-records`` deployment instead.
- ``erase_users`` stands for a privacy request handler: it calls ``forget_users`` as a subflow,
  so the request's artifact and the deletion job belong to its own run.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pandas as pd
from prefect import flow
from pydantic import Field

from flows.configured import DEFAULT_CONFIG
from flows.forget_users import forget_users
from flows.update_records import send_frame
from tasks.config import load_config


@flow(name="publish-new-items")
def publish_new_items(
    config_path: str = Field(DEFAULT_CONFIG, description="The pipeline configuration (YAML)."),
    count: int = Field(5, ge=1, le=1000, description="How many made-up new items to send."),
    category: str = Field("new-arrivals", description="The category the new items get."),
) -> dict[str, Any]:
    """Send a few new items, as a product system would when its catalogue changes."""
    stamp = datetime.now(UTC).strftime("%Y%m%d%H%M%S")
    frame = pd.DataFrame(
        {"sku": [f"new-{stamp}-{n}" for n in range(count)], "category": [category] * count}
    )
    return send_frame(load_config(config_path), "items", frame)


@flow(name="erase-users")
def erase_users(
    user_ids: list[str] = Field(..., description="Ids of the users who asked to be forgotten."),
    ticket: str = Field(..., description="The privacy request's reference, kept in the record."),
    config_path: str = Field(DEFAULT_CONFIG, description="The pipeline configuration (YAML)."),
) -> dict[str, Any]:
    """Hand an erasure request to ``forget_users`` and wait for its outcome."""
    return forget_users(config_path=config_path, user_ids=user_ids, requested_by=ticket)
