"""Domain dataset groups: the use-case recipes of each domain and its schemas' extra rules.

1. A domain (ECOMMERCE, VIDEO_ON_DEMAND) offers recipes for use cases, named by AWS's ARNs
   (developer guide, "ECOMMERCE use cases" and "VIDEO_ON_DEMAND use cases"); recommenders are
   created from them, never solutions.
2. Each use case trains on the events of its types (e.g. ``View`` for "Most viewed"), needs
   ``userId`` or ``itemId`` in GetRecommendations, and some leave out what the user already
   interacted with; here each maps onto one of the engine's model kinds.
3. A domain's default schemas add required fields to the custom ones (EVENT_TYPE in
   interactions; PRICE and CATEGORY_L1 in ECOMMERCE items; GENRES and CREATION_TIMESTAMP in
   VIDEO_ON_DEMAND items), checked when a dataset joins a domain dataset group.
"""

from __future__ import annotations

from dataclasses import dataclass

from personalize_local.avro_schema import DatasetSchema
from personalize_local.errors import InvalidInputException
from personalize_local.recipe_catalogue import Recipe

DOMAINS = ("ECOMMERCE", "VIDEO_ON_DEMAND")


@dataclass(frozen=True)
class DomainRecipe(Recipe):
    """A use case of a domain: what it trains on and what GetRecommendations must carry."""

    domain: str = ""
    event_types: tuple[str, ...] = ()
    """The EVENT_TYPE values trained on (matched without regard to case); empty: all."""
    needs_user: bool = False
    needs_item: bool = False
    excludes_seen: bool = False
    """Leaves out the items the user interacted with (when a userId is given)."""

    def describe(self) -> dict[str, object]:
        """The DescribeRecipe document, with the recipe's domain."""
        return {**super().describe(), "domain": self.domain}


def _use_case(
    name: str,
    domain: str,
    model: str,
    description: str,
    events: tuple[str, ...] = (),
    user: bool = False,
    item: bool = False,
    excludes_seen: bool = False,
) -> DomainRecipe:
    recipe_type = "RELATED_ITEMS" if model == "similar-items" else "USER_PERSONALIZATION"
    return DomainRecipe(
        name,
        recipe_type,
        model,
        description,
        domain=domain,
        event_types=events,
        needs_user=user,
        needs_item=item,
        excludes_seen=excludes_seen,
    )


_E, _V = "ECOMMERCE", "VIDEO_ON_DEMAND"
DOMAIN_RECIPES: dict[str, DomainRecipe] = {
    r.arn: r
    for r in (
        _use_case("aws-ecomm-popular-items-by-views", _E, "popularity",
                  "Most viewed: items viewed most often.", ("View",), user=True),
        _use_case("aws-ecomm-popular-items-by-purchases", _E, "popularity",
                  "Best sellers: items purchased most often.", ("Purchase",), user=True),
        _use_case("aws-ecomm-frequently-bought-together", _E, "similar-items",
                  "Frequently bought together with an item.", ("Purchase",), item=True),
        _use_case("aws-ecomm-customers-who-viewed-x-also-viewed", _E, "similar-items",
                  "Customers who viewed X also viewed.", ("View",), item=True,
                  excludes_seen=True),
        _use_case("aws-ecomm-recommended-for-you", _E, "personalization",
                  "Recommended for you.", user=True, excludes_seen=True),
        _use_case("aws-vod-because-you-watched-x", _V, "similar-items",
                  "Because you watched X.", ("Watch",), user=True, item=True,
                  excludes_seen=True),
        _use_case("aws-vod-more-like-x", _V, "similar-items",
                  "More like X.", user=True, item=True, excludes_seen=True),
        _use_case("aws-vod-most-popular", _V, "popularity",
                  "Most popular videos.", ("Watch",), user=True),
        _use_case("aws-vod-trending-now", _V, "trending",
                  "Videos trending now.", user=True),
        _use_case("aws-vod-top-picks", _V, "personalization",
                  "Top picks for you.", user=True, excludes_seen=True),
    )
}  # fmt: skip

# Fields a domain's default schema requires beyond the custom rules, per dataset type
# (developer guide: "ECOMMERCE datasets and schemas", "VIDEO_ON_DEMAND datasets and schemas").
DOMAIN_FIELDS: dict[str, dict[str, dict[str, tuple[str, bool]]]] = {
    _E: {
        "INTERACTIONS": {"EVENT_TYPE": ("string", False)},
        "ITEMS": {"PRICE": ("float", False), "CATEGORY_L1": ("string", True)},
    },
    _V: {
        "INTERACTIONS": {"EVENT_TYPE": ("string", False)},
        "ITEMS": {"CREATION_TIMESTAMP": ("long", False), "GENRES": ("string", True)},
    },
}
"""domain -> dataset type -> field -> (Avro type, categorical)."""


def domain_recipe(arn: str) -> DomainRecipe | None:
    """The domain recipe with that ARN, if any."""
    return DOMAIN_RECIPES.get(arn)


def check_domain_dataset(
    group_domain: str | None, schema_domain: str | None, schema: DatasetSchema, dataset_type: str
) -> None:
    """Refuse a schema whose domain differs from the group's, or that lacks a domain field."""
    if (group_domain or None) != (schema_domain or None):
        raise InvalidInputException(
            f"The schema's domain ({schema_domain or 'none: a custom schema'}) must match the "
            f"dataset group's ({group_domain or 'none: a custom dataset group'}); create the "
            "schema with the group's domain."
        )
    for name, (kind, categorical) in (
        DOMAIN_FIELDS.get(group_domain or "", {}).get(dataset_type, {}).items()
    ):
        field = schema.field(name)
        if field is None or field.type != kind or field.categorical != categorical:
            what = f"{'categorical ' if categorical else ''}{kind}"
            raise InvalidInputException(
                f"A {dataset_type.title()} schema of the {group_domain} domain needs the field "
                f"{name} of type {what}."
            )
