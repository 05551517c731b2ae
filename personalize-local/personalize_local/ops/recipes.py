"""ListRecipes, DescribeRecipe, DescribeAlgorithm, DescribeFeatureTransformation."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from personalize_local.domain_recipes import DOMAIN_RECIPES
from personalize_local.errors import not_found
from personalize_local.ops import Handler
from personalize_local.recipe_catalogue import RECIPE_CREATED, RECIPES, Recipe
from personalize_local.resources import page
from personalize_local.service import Call, Service

IMAGE = "Amazon Personalize Internal"
"""What DescribeAlgorithm names as the image of a predefined recipe's algorithm."""


def list_recipes(service: Service, call: Call) -> dict[str, Any]:
    domain = call.params.get("domain")
    recipes = [r.describe() for r in _catalogue() if domain in (None, getattr(r, "domain", None))]
    return page(recipes, call.params, "recipes")


def describe_recipe(service: Service, call: Call) -> dict[str, Any]:
    return {"recipe": _by(call.params["recipeArn"], "recipe", lambda r: r.arn).describe()}


def describe_algorithm(service: Service, call: Call) -> dict[str, Any]:
    found = _by(call.params["algorithmArn"], "algorithm", lambda r: r.algorithm_arn)
    return {
        "algorithm": {
            "name": found.name,
            "algorithmArn": found.algorithm_arn,
            "algorithmImage": {"name": IMAGE, "dockerURI": IMAGE},
            "defaultHyperParameters": {p.name: p.default for p in found.params},
            "defaultHyperParameterRanges": found.ranges(),
            "defaultResourceConfig": {},
            "trainingInputMode": "File",
            "creationDateTime": RECIPE_CREATED,
            "lastUpdatedDateTime": RECIPE_CREATED,
        }
    }


def describe_feature_transformation(service: Service, call: Call) -> dict[str, Any]:
    arn = call.params["featureTransformationArn"]
    found = _by(arn, "feature transformation", lambda r: r.feature_transformation_arn)
    return {
        "featureTransformation": {
            "name": found.name,
            "featureTransformationArn": arn,
            "defaultParameters": found.feature_parameters,
            "status": "ACTIVE",
            "creationDateTime": RECIPE_CREATED,
            "lastUpdatedDateTime": RECIPE_CREATED,
        }
    }


def _catalogue() -> list[Recipe]:
    """Every predefined recipe: the custom ones, then the domain use cases."""
    return [*RECIPES.values(), *DOMAIN_RECIPES.values()]


def _by(arn: str, kind: str, arn_of: Callable[[Recipe], str]) -> Recipe:
    for candidate in _catalogue():
        if arn_of(candidate) == arn:
            return candidate
    raise not_found(kind, arn)


HANDLERS: dict[str, Handler] = {
    "ListRecipes": list_recipes,
    "DescribeRecipe": describe_recipe,
    "DescribeAlgorithm": describe_algorithm,
    "DescribeFeatureTransformation": describe_feature_transformation,
}
