"""Recipes, algorithms and feature transformations over HTTP."""

from __future__ import annotations

from typing import Any

from personalize_local.testing.helpers import error_of

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
    # The developer guide's User-Personalization page: hidden_dimension defaults to 149, range
    # [32, 256], HPO tunable; botocore's model requires algorithmImage.dockerURI.
    assert algorithm["defaultHyperParameters"]["hidden_dimension"] == "149"
    ranges = algorithm["defaultHyperParameterRanges"]["integerHyperParameterRanges"]
    hidden = next(r for r in ranges if r["name"] == "hidden_dimension")
    assert (hidden["minValue"], hidden["maxValue"], hidden["isTunable"]) == (32, 256, True)
    assert algorithm["algorithmImage"]["dockerURI"]
    transformation = personalize.describe_feature_transformation(
        featureTransformationArn=recipe["featureTransformationArn"]
    )["featureTransformation"]
    assert transformation["status"] == "ACTIVE"
    trending = personalize.describe_feature_transformation(
        featureTransformationArn="arn:aws:personalize:::feature-transformation/aws-trending-now"
    )["featureTransformation"]
    # The Trending-Now page: trend_discovery_frequency is a feature transformation parameter.
    assert trending["defaultParameters"] == {"trend_discovery_frequency": "2 hours"}


def test_unknown_recipe_is_not_found(personalize: Any) -> None:
    code, message = error_of(
        personalize.describe_recipe, recipeArn="arn:aws:personalize:::recipe/aws-nope"
    )
    assert code == "ResourceNotFoundException"
    assert "aws-nope" in message
