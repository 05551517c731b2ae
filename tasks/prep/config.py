"""Where a dataset's raw data comes from, and how it is cleaned before import.

Both models are part of the pipeline configuration (``datasets.<type>.source`` and
``datasets.<type>.cleaning``); the defaults are what a user would expect with no settings.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, PositiveInt


class SourceConfig(BaseModel):
    """A raw file or prefix (local or ``s3://``) and how its columns map to the schema."""

    model_config = ConfigDict(extra="forbid")

    uri: str = Field(description="A local path or s3:// URI: one file, or a prefix of many.")
    format: Literal["parquet", "csv", "jsonl"] | None = Field(
        default=None, description="File format; inferred from the extension when omitted."
    )
    columns: dict[str, str] = Field(
        default_factory=dict,
        description="Schema field -> source column, e.g. {USER_ID: user_id}. "
        "Fields not listed are read from a column of the same name.",
    )
    timestamp_unit: Literal["auto", "s", "ms", "us", "ns"] = Field(
        default="auto", description="Unit of numeric timestamps; 'auto' detects it."
    )


class CleaningConfig(BaseModel):
    """Optional cleaning rules; every row removed is counted, and bad rows are kept aside."""

    model_config = ConfigDict(extra="forbid")

    drop_duplicates: bool = Field(default=True, description="Drop exact duplicate rows.")
    event_types: list[str] | None = Field(
        default=None, description="Keep only these EVENT_TYPE values (all when omitted)."
    )
    window_days: PositiveInt | None = Field(
        default=None, description="Keep only interactions of the last N days of the data."
    )
    min_interactions_per_user: PositiveInt = Field(
        default=1, description="Drop users with fewer interactions than this."
    )
    min_interactions_per_item: PositiveInt = Field(
        default=1, description="Drop items with fewer interactions than this."
    )
    max_interactions_per_user: PositiveInt | None = Field(
        default=None, description="Cap per user (bots): keep that user's most recent N."
    )
    forgotten_users_uri: str | None = Field(
        default=None,
        description="Folder of CSV files (USER_ID) of users forgotten by forget_users, whose "
        "rows are dropped; the pipeline sets s3://<bucket>/suppression/<group>/forgotten-users/.",
    )


class ImportGuards(BaseModel):
    """Limits that stop a run before a broken export is imported (``guards.py``)."""

    model_config = ConfigDict(extra="forbid")

    max_reject_share: float = Field(
        default=0.1,
        ge=0,
        le=1,
        description="Refuse the import when more than this share of the rows read is rejected "
        "as bad data (1 turns the guard off).",
    )
    max_shrink: float = Field(
        default=0.5,
        ge=0,
        le=1,
        description="Refuse a FULL import that would leave fewer than (1 - this) of the rows "
        "the dataset holds now (1 turns the guard off).",
    )
