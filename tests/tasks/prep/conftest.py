"""Small interaction frames and schemas for the data preparation tests."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest

T0 = 1_700_000_000  # 2023-11-14, epoch seconds


def avro(*fields: tuple[str, Any], **flags: dict[str, Any]) -> dict[str, Any]:
    """An Avro record schema with these (name, type) fields; ``flags`` adds e.g. categorical."""
    return {
        "type": "record",
        "name": "Dataset",
        "namespace": "com.amazonaws.personalize.schema",
        "fields": [{"name": n, "type": t, **flags.get(n, {})} for n, t in fields],
        "version": "1.0",
    }


INTERACTIONS = avro(
    ("USER_ID", "string"), ("ITEM_ID", "string"), ("TIMESTAMP", "long"), ("EVENT_TYPE", "string")
)


def interactions(n: int = 1200, users: int = 40, items: int = 60, seed: int = 0) -> pd.DataFrame:
    """Raw events with source-style column names and millisecond timestamps, no duplicates."""
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(
        {
            "user_id": rng.integers(0, users, n),
            "sku": [f"sku-{i}" for i in rng.integers(0, items, n)],
            "ts": (T0 + np.arange(n) * 60) * 1000,
            "event": rng.choice(["click", "purchase"], n),
        }
    )
    return frame


MAPPING = {"USER_ID": "user_id", "ITEM_ID": "sku", "TIMESTAMP": "ts", "EVENT_TYPE": "event"}


@pytest.fixture
def interactions_schema() -> dict[str, Any]:
    """The interactions schema the tests use."""
    return INTERACTIONS
