"""The predefined recipes the service offers, with their real ARNs, types and engine models."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

RECIPE_CREATED = 1_541_030_400.0
"""When the recipes were published (November 2018); recipes are not created by users."""


@dataclass(frozen=True)
class Recipe:
    """A predefined recipe and what trains it here."""

    name: str
    recipe_type: str
    model: str
    """The engine's model kind: personalization, similar-items, popularity or trending."""
    description: str
    hyperparameters: dict[str, str] = field(default_factory=dict)
    allows_update: bool = False

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
        ),
        Recipe(
            "aws-user-personalization",
            "USER_PERSONALIZATION",
            "personalization",
            "Recommends items a user is likely to interact with; supports UPDATE training.",
            _PERSONALIZATION,
            allows_update=True,
        ),
        Recipe(
            "aws-personalized-ranking-v2",
            "PERSONALIZED_RANKING",
            "personalization",
            "Ranks a list of items for a user.",
            _PERSONALIZATION,
        ),
        Recipe(
            "aws-personalized-ranking",
            "PERSONALIZED_RANKING",
            "personalization",
            "Ranks a list of items for a user.",
            _PERSONALIZATION,
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
        ),
    )
}


def recipe(arn: str) -> Recipe | None:
    """The predefined recipe with that ARN, if any."""
    return RECIPES.get(arn)


# User segmentation (batch segment jobs only): the users most likely to interact with an item
# (Item-Affinity) or with the items having some attributes (Item-Attribute-Affinity); and next
# best action, trained on the Action interactions dataset (emulator/actions.py).
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
