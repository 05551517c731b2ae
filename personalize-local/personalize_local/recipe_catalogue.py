"""The predefined recipes the service offers: real ARNs and types, the hyperparameters the
developer guide documents for each (default, range, HPO tunable), and the engine model that
trains them here.

Sources: the developer guide's recipe pages (User-Personalization, Personalized-Ranking, SIMS,
Trending-Now, Popularity-Count). The -v2 recipes' pages were not at hand: they reuse their v1
recipe's table. Similar-Items' hyperparameters (item_id_hidden_dimension...) are not listed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from personalize_local.errors import not_found

RECIPE_CREATED = 1_541_030_400.0
"""When the recipes were published (November 2018); recipes are not created by users."""


@dataclass(frozen=True)
class Param:
    """A documented hyperparameter: its default and range (or values), and whether HPO tunes it."""

    name: str
    kind: Literal["integer", "continuous", "categorical"]
    default: str
    low: float = 0.0
    high: float = 0.0
    values: tuple[str, ...] = ()
    tunable: bool = False

    def range(self) -> dict[str, Any]:
        """The DefaultIntegerHyperParameterRange (or Continuous, Categorical) document."""
        if self.kind == "categorical":
            return {"name": self.name, "values": list(self.values), "isTunable": self.tunable}
        cast = int if self.kind == "integer" else float
        return {"name": self.name, "minValue": cast(self.low), "maxValue": cast(self.high),
                "isTunable": self.tunable}  # fmt: skip


@dataclass(frozen=True)
class Recipe:
    """A predefined recipe and what trains it here."""

    name: str
    recipe_type: str
    model: str
    """The engine's model kind: personalization, similar-items, popularity or trending."""
    description: str
    hyperparameters: dict[str, str] = field(default_factory=dict)
    """The engine's defaults when training here (what it reads; see ``params`` for AWS's)."""
    allows_update: bool = False
    params: tuple[Param, ...] = ()
    """The hyperparameters the developer guide documents for the recipe's algorithm."""
    feature_parameters: dict[str, str] = field(default_factory=dict)
    """The feature transformation's documented default parameters."""

    @property
    def arn(self) -> str:
        """``arn:aws:personalize:::recipe/<name>``."""
        return f"arn:aws:personalize:::recipe/{self.name}"

    @property
    def algorithm_arn(self) -> str:
        """The recipe's algorithm."""
        return f"arn:aws:personalize:::algorithm/{self.name}"

    @property
    def feature_transformation_arn(self) -> str:
        """The recipe's feature transformation."""
        return f"arn:aws:personalize:::feature-transformation/{self.name}"

    def describe(self) -> dict[str, Any]:
        """The DescribeRecipe document."""
        return {
            "name": self.name,
            "recipeArn": self.arn,
            "algorithmArn": self.algorithm_arn,
            "featureTransformationArn": self.feature_transformation_arn,
            "status": "ACTIVE",
            "description": self.description,
            "recipeType": self.recipe_type,
            "creationDateTime": RECIPE_CREATED,
            "lastUpdatedDateTime": RECIPE_CREATED,
        }

    def ranges(self) -> dict[str, list[dict[str, Any]]]:
        """DescribeAlgorithm's ``defaultHyperParameterRanges``."""
        return {
            f"{kind}HyperParameterRanges": [p.range() for p in self.params if p.kind == kind]
            for kind in ("integer", "continuous", "categorical")
        }


def _percentiles(low: str, high: str, prefix: str = "user_history_length") -> tuple[Param, ...]:
    return (
        Param(f"min_{prefix}_percentile", "continuous", low, 0.0, 1.0),
        Param(f"max_{prefix}_percentile", "continuous", high, 0.0, 1.0),
    )


_HRNN = (
    Param("hidden_dimension", "integer", "149", 32, 256, tunable=True),
    Param("bptt", "integer", "32", 2, 32, tunable=True),
    Param("recency_mask", "categorical", "true", values=("true", "false"), tunable=True),
    *_percentiles("0.0", "0.99"),
)
_USER_PERSONALIZATION = (
    *_HRNN,
    Param("exploration_weight", "continuous", "0.3", 0.0, 1.0),
    Param("exploration_item_age_cut_off", "continuous", "30.0", 0.0, 1e9),
)
_SIMS = (
    Param("popularity_discount_factor", "continuous", "0.5", 0.0, 1.0, tunable=True),
    Param("min_cointeraction_count", "integer", "3", 0, 10, tunable=True),
    *_percentiles("0.005", "0.995"),
    *_percentiles("0.01", "0.9", "item_interaction_count"),
)
_TRENDING = {"trend_discovery_frequency": "2 hours"}
"""Trending-Now's feature transformation parameter (30 minutes, 1 hour, 2 hours, 3 hours or
1 day; the developer guide's default is 2 hours)."""


_PERSONALIZATION = {"hidden_dimension": "32"}
_SIMILAR = {"popularity_discount_factor": "0.5", "min_cointeraction_count": "1"}

RECIPES: dict[str, Recipe] = {
    r.arn: r
    for r in (
        Recipe(
            "aws-user-personalization-v2",
            "USER_PERSONALIZATION",
            "personalization",
            "Recommends items a user is likely to interact with (EASE or ALS here).",
            _PERSONALIZATION,
            params=_USER_PERSONALIZATION,
        ),
        Recipe(
            "aws-user-personalization",
            "USER_PERSONALIZATION",
            "personalization",
            "Recommends items a user is likely to interact with; supports UPDATE training.",
            _PERSONALIZATION,
            allows_update=True,
            params=_USER_PERSONALIZATION,
        ),
        Recipe(
            "aws-personalized-ranking-v2",
            "PERSONALIZED_RANKING",
            "personalization",
            "Ranks a list of items for a user.",
            _PERSONALIZATION,
            params=_HRNN,
        ),
        Recipe(
            "aws-personalized-ranking",
            "PERSONALIZED_RANKING",
            "personalization",
            "Ranks a list of items for a user.",
            _PERSONALIZATION,
            params=_HRNN,
        ),
        Recipe(
            "aws-similar-items",
            "RELATED_ITEMS",
            "similar-items",
            "Recommends items similar to a given item (item-item co-occurrence).",
            _SIMILAR,
        ),
        Recipe(
            "aws-sims",
            "RELATED_ITEMS",
            "similar-items",
            "Recommends items that users interact with together (item-item co-occurrence).",
            _SIMILAR,
            params=_SIMS,
        ),
        Recipe(
            "aws-popularity-count",
            "USER_PERSONALIZATION",
            "popularity",
            "Recommends the items with the most interactions over all time.",
        ),
        Recipe(
            "aws-trending-now",
            "USER_PERSONALIZATION",
            "trending",
            "Recommends the items gaining popularity fastest in a recent window.",
            {"trend_discovery_frequency": "1 day"},
            feature_parameters=_TRENDING,
        ),
    )
}


def recipe(arn: str) -> Recipe | None:
    """The predefined recipe with that ARN, if any."""
    return RECIPES.get(arn)


def recipe_of(arn: str) -> Recipe:
    """The predefined recipe with that ARN, or the error AWS answers for an unknown one."""
    found = recipe(arn)
    if found is None:
        raise not_found("recipe", arn)
    return found


# User segmentation (batch segment jobs only): the users most likely to interact with an item
# (Item-Affinity) or with the items having some attributes (Item-Attribute-Affinity); and next
# best action, trained on the Action interactions dataset (personalize_local/actions.py).
RECIPES.update(
    {
        r.arn: r
        for r in (
            Recipe(
                "aws-item-affinity",
                "USER_SEGMENTATION",
                "personalization",
                "User segments: the users most likely to interact with each given item.",
                _PERSONALIZATION,
            ),
            Recipe(
                "aws-next-best-action",
                "NEXT_BEST_ACTION",
                "personalization",
                "Next best action: the actions a user is most likely to take (TAKEN events).",
                _PERSONALIZATION,
            ),
            Recipe(
                "aws-item-attribute-affinity",
                "USER_SEGMENTATION",
                "personalization",
                "User segments: the users most likely to like items with given attributes.",
                _PERSONALIZATION,
            ),
        )
    }
)
