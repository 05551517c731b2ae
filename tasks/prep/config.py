"""Where a dataset's raw data comes from, how it is cleaned, and where the work runs.

``SourceConfig`` and ``CleaningConfig`` are part of the pipeline configuration per dataset
(``datasets.<type>.source`` and ``datasets.<type>.cleaning``); ``PrepRunConfig`` is its
``prep`` section, shared by all datasets. The defaults are what a user would expect with no
settings.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, PositiveInt, model_validator


class SourceConfig(BaseModel):
    """A raw file or prefix (local or ``s3://``) and how its columns map to the schema."""

    model_config = ConfigDict(extra="forbid")

    uri: str = Field(description="A local path or s3:// URI: one file, or a prefix of many.")
    format: Literal["parquet", "csv", "jsonl"] | None = Field(
        default=None,
        description="File format; inferred from the extension when omitted.",
        examples=["csv"],
    )
    columns: dict[str, str] = Field(
        default_factory=dict,
        description="Schema field -> source column, e.g. {USER_ID: user_id}. "
        "Fields not listed are read from a column of the same name.",
    )
    timestamp_unit: Literal["auto", "s", "ms", "us", "ns"] = Field(
        default="auto",
        description="Unit of numeric timestamps; 'auto' detects it.",
        examples=["ms"],
    )


class CleaningConfig(BaseModel):
    """Optional cleaning rules; every row removed is counted, and bad rows are kept aside."""

    model_config = ConfigDict(extra="forbid")

    drop_duplicates: bool = Field(
        default=True, description="Drop exact duplicate rows.", examples=[False]
    )
    event_types: list[str] | None = Field(
        default=None, description="Keep only these EVENT_TYPE values (all when omitted)."
    )
    window_days: PositiveInt | None = Field(
        default=None,
        description="Keep only interactions of the last N days of the data.",
        examples=[365],
    )
    min_interactions_per_user: PositiveInt = Field(
        default=1, description="Drop users with fewer interactions than this."
    )
    min_interactions_per_item: PositiveInt = Field(
        default=1, description="Drop items with fewer interactions than this.", examples=[5]
    )
    max_interactions_per_user: PositiveInt | None = Field(
        default=None,
        description="Cap per user (bots): keep that user's most recent N.",
        examples=[5000],
    )
    forgotten_users_uri: str | None = Field(
        default=None,
        description="Folder of CSV files (USER_ID) of users forgotten by forget_users, whose "
        "rows are dropped; the pipeline sets s3://<bucket>/suppression/<group>/forgotten-users/.",
        examples=["s3://my-personalize-bucket/suppression/shop/forgotten-users/"],
    )


class ImportGuards(BaseModel):
    """Limits that stop a run before a broken export is imported (``tasks/prep/guards.py``)."""

    model_config = ConfigDict(extra="forbid")

    max_reject_share: float = Field(
        default=0.1,
        ge=0,
        le=1,
        description="Refuse the import when more than this share of the rows read is rejected "
        "as bad data (1 turns the guard off).",
        examples=[0.2],
    )
    max_shrink: float = Field(
        default=0.5,
        ge=0,
        le=1,
        description="Refuse a FULL import that would leave fewer than (1 - this) of the rows "
        "the dataset holds now (1 turns the guard off).",
        examples=[1.0],
    )


class DataChecks(BaseModel):
    """Limits on how far an export may move from the accepted data before it is imported.

    The accepted data is what the serving version trained on (``drift.py``); every figure is
    compared with it, and a move beyond its limit stops the run before any import. Factors
    bound a ratio both ways (2: from half to double); shares and distances are in [0, 1].
    The defaults come from honest exports of the demo's world (docs/data.md).
    """

    model_config = ConfigDict(extra="forbid")

    enabled: bool = Field(
        default=True, description="Compare each export with the accepted data before import."
    )
    max_rows_factor: float = Field(
        default=2.0,
        ge=1,
        description="FULL: rows may grow or shrink by at most this factor.",
    )
    max_users_factor: float = Field(
        default=2.0, ge=1, description="FULL: distinct users may change by at most this factor."
    )
    max_items_factor: float = Field(
        default=2.0, ge=1, description="FULL: distinct items may change by at most this factor."
    )
    max_rows_per_day_factor: float = Field(
        default=2.0,
        ge=1,
        description="Rows per day (INCREMENTAL: against the accepted data's last days of the "
        "same length) may change by at most this factor.",
    )
    max_span_factor: float = Field(
        default=2.0, ge=1, description="FULL: the days the data spans may change by this factor."
    )
    max_per_user_divergence: float = Field(
        default=0.05,
        ge=0,
        le=1,
        description="Jensen-Shannon divergence (base 2) of the interactions-per-user "
        "distribution (doubling bins) from the accepted one.",
    )
    max_busiest_share_change: float = Field(
        default=0.05,
        ge=0,
        le=1,
        description="The share of rows of the busiest 1% of users may move by at most this "
        "(0.05: five points).",
    )
    max_new_users_share_change: float = Field(
        default=0.25,
        ge=0,
        le=1,
        description="The share of users the accepted data does not know may exceed the "
        "accepted data's own turnover by at most this.",
    )
    max_new_items_share_change: float = Field(
        default=0.25,
        ge=0,
        le=1,
        description="The same for items.",
    )
    max_event_mix_distance: float = Field(
        default=0.07,
        ge=0,
        le=1,
        description="L-infinity distance of the event-type mix (largest change of one event "
        "type's share).",
    )
    max_duplicate_share_change: float = Field(
        default=0.05,
        ge=0,
        le=1,
        description="The share of exact duplicate rows may move by at most this.",
    )
    max_missing_users_share: float = Field(
        default=0.25,
        ge=0,
        le=1,
        description="FULL: at most this share of the accepted data's users may be missing.",
    )
    max_missing_records_share: float = Field(
        default=0.25,
        ge=0,
        le=1,
        description="Items and users, FULL: at most this share of the accepted data's items "
        "(users) may be missing from the export.",
    )
    max_newest_jump_days: float = Field(
        default=60.0,
        gt=0,
        description="The newest TIMESTAMP may be at most this many days after the accepted "
        "data's newest.",
    )
    allow_older_full: bool = Field(
        default=False,
        description="Import a FULL export whose newest TIMESTAMP is older than the accepted "
        "data's (it would replace newer rows); an INCREMENTAL one is only flagged.",
    )
    future_tolerance_hours: float = Field(
        default=24.0,
        ge=0,
        description="Rows dated more than this after the run's clock are rejected as bad rows.",
    )


class PrepRunConfig(BaseModel):
    """Where preparation's steps run: this process (default), or a Dask cluster."""

    model_config = ConfigDict(extra="forbid")

    runner: Literal["process", "dask"] = Field(
        default="process",
        description="'process': every step in the flow's process, one after the other. "
        "'dask': the steps as Prefect tasks on a Dask cluster (a local one unless "
        "dask_address is set).",
    )
    dask_address: str | None = Field(
        default=None,
        description="Scheduler of an existing Dask cluster (tcp://host:8786); its workers need "
        "the project installed and must reach the scratch location.",
        examples=["tcp://dask-scheduler:8786"],
    )
    dask_workers: PositiveInt | None = Field(
        default=None,
        description="Worker processes of the local Dask cluster (default: one per core).",
        examples=[4],
    )
    partitions: PositiveInt | None = Field(
        default=None,
        description="Rows are split into this many partitions by a hash of USER_ID; each is "
        "cleaned alone and written as its own part of the import folder. Default: one per "
        "worker (1 with runner: process); memory stays flat up to about 30M rows a partition.",
        examples=[32],
    )
    scratch_uri: str | None = Field(
        default=None,
        description="Where the steps keep rows between them (s3://...). Default: a local "
        "temporary directory, or _scratch/ under the output prefix with dask_address.",
        examples=["s3://my-personalize-bucket/prep-scratch/"],
    )

    @model_validator(mode="after")
    def _dask_settings_need_dask(self) -> PrepRunConfig:
        if self.runner != "dask" and (self.dask_address or self.dask_workers):
            raise ValueError("dask_address and dask_workers need runner: dask")
        if self.dask_address and self.dask_workers:
            raise ValueError(
                "dask_workers sizes a local cluster; an existing cluster (dask_address) "
                "has its own workers"
            )
        return self
