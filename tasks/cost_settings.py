"""The configuration of costs: the price table (per region) and the training budget.

The default prices are us-east-1's list prices as Personalize's pricing page gave them
(docs/aws-facts.md#training-hours, with the date); set your region's in ``prices_by_region``.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, PositiveFloat

DEFAULT_REGION = "us-east-1"


class Prices(BaseModel):
    """What Personalize charges per unit, in US dollars."""

    model_config = ConfigDict(extra="forbid")

    training_hour: float = Field(
        default=0.24, ge=0, description="Per training hour (DescribeSolutionVersion's hours)."
    )
    ingestion_gb: float = Field(
        default=0.05, ge=0, description="Per GB of data imported (the import files' bytes)."
    )
    tps_hour: float = Field(
        default=0.20,
        ge=0,
        description="Per TPS-hour of a campaign's minProvisionedTPS (first tier of a month).",
    )
    batch_per_thousand: float = Field(
        default=0.067,
        ge=0,
        description="Per 1,000 users (or records) a batch inference or segment job processes.",
    )
    recommender_per_thousand_requests: float | None = Field(
        default=None,
        ge=0,
        description="Per 1,000 recommendation requests of a recommender, which bills at least "
        "its minRecommendationRequestsPerSecond while ACTIVE. No default: we have no price from "
        "a source we could read (docs/aws-facts.md#training-hours); unset, the cost record "
        "counts the requests and leaves their cost out.",
        examples=[0.15],
    )


class CostsConfig(BaseModel):
    """The price table the cost record of every run uses."""

    model_config = ConfigDict(extra="forbid")

    prices: Prices = Field(
        default_factory=Prices,
        description="Prices for regions not in prices_by_region (defaults: us-east-1's list "
        "prices, docs/aws-facts.md#training-hours).",
    )
    prices_by_region: dict[str, Prices] = Field(
        default_factory=dict,
        description="Prices per AWS region, overriding prices there.",
        examples=[{"eu-west-1": {"training_hour": 0.26, "tps_hour": 0.22}}],
    )

    def for_region(self, region: str | None) -> Prices:
        """The prices of ``region`` (the default table when it has none of its own)."""
        return self.prices_by_region.get(region or DEFAULT_REGION, self.prices)


class BudgetConfig(BaseModel):
    """Limits a retrain checks before it trains (the dataset group's, this calendar month)."""

    model_config = ConfigDict(extra="forbid")

    training_hours_per_month: PositiveFloat | None = Field(
        default=None,
        description="Training hours this dataset group may use per calendar month (UTC), "
        "automatic training included; a retrain that would exceed it stops before training.",
        examples=[40],
    )
