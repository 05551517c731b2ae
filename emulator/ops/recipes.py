"""ListRecipes, DescribeRecipe, DescribeAlgorithm, DescribeFeatureTransformation."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from emulator.errors import not_found
from emulator.ops import Handler
from emulator.recipes import RECIPE_CREATED, RECIPES, Recipe
from emulator.resources import page
from emulator.service import Call, Service

IMAGE = "Amazon Personalize Internal"
"""What DescribeAlgorithm names as the image of a predefined recipe's algorithm."""


def list_recipes(service: Service, call: Call) -> dict[str, Any]:
    # The predefined recipes are custom ones: none belongs to a domain dataset group.
    recipes = [] if call.params.get("domain") else [r.describe() for r in RECIPES.values()]
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


def _by(arn: str, kind: str, arn_of: Callable[[Recipe], str]) -> Recipe:
    for candidate in RECIPES.values():
        if arn_of(candidate) == arn:
            return candidate
    raise not_found(kind, arn)


HANDLERS: dict[str, Handler] = {
    "ListRecipes": list_recipes,
    "DescribeRecipe": describe_recipe,
    "DescribeAlgorithm": describe_algorithm,
    "DescribeFeatureTransformation": describe_feature_transformation,
}
