"""Recipes, algorithms and feature transformations over HTTP."""

from __future__ import annotations

from typing import Any

from tests.emulator.helpers import error_of

V2 = "arn:aws:personalize:::recipe/aws-user-personalization-v2"


def test_list_recipes_has_the_predefined_recipes_with_their_types(personalize: Any) -> None:
    listed = personalize.list_recipes()["recipes"]
    arns = {recipe["recipeArn"] for recipe in listed}
    assert {V2, "arn:aws:personalize:::recipe/aws-sims",
            "arn:aws:personalize:::recipe/aws-popularity-count"} <= arns  # fmt: skip
    types = {
        arn: personalize.describe_recipe(recipeArn=arn)["recipe"]["recipeType"] for arn in arns
    }
    assert types[V2] == "USER_PERSONALIZATION"
    assert types["arn:aws:personalize:::recipe/aws-personalized-ranking-v2"] == (
        "PERSONALIZED_RANKING"
    )
    assert types["arn:aws:personalize:::recipe/aws-similar-items"] == "RELATED_ITEMS"
    ecommerce = personalize.list_recipes(domain="ECOMMERCE")["recipes"]
    assert {r.get("domain") for r in ecommerce} == {"ECOMMERCE"}


def test_describe_algorithm_and_feature_transformation(personalize: Any) -> None:
    recipe = personalize.describe_recipe(recipeArn=V2)["recipe"]
    algorithm = personalize.describe_algorithm(algorithmArn=recipe["algorithmArn"])["algorithm"]
    assert algorithm["defaultHyperParameters"]["hidden_dimension"] == "32"
    transformation = personalize.describe_feature_transformation(
        featureTransformationArn=recipe["featureTransformationArn"]
    )["featureTransformation"]
    assert transformation["status"] == "ACTIVE"


def test_unknown_recipe_is_not_found(personalize: Any) -> None:
    code, message = error_of(
        personalize.describe_recipe, recipeArn="arn:aws:personalize:::recipe/aws-nope"
    )
    assert code == "ResourceNotFoundException"
    assert "aws-nope" in message
