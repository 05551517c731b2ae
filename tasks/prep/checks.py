"""Personalize's data rules, checked on the prepared data before anything is imported.

From the Amazon Personalize developer guide (service quotas and interactions schema rules):
at least 1,000 interactions, at least 25 users with 2 or more interactions, and at most 10
distinct event types and optional metadata fields together. Schema-level rules (required
fields, at most 5 metadata fields) are checked when the schema is read (``schema.py``).
"""

from __future__ import annotations

from tasks.prep.errors import BelowMinimumsError
from tasks.prep.report import Check, DataReport
from tasks.prep.schema import DatasetSchema

MIN_INTERACTIONS = 1000
MIN_USERS_WITH_2 = 25
MAX_EVENT_TYPES_AND_OPTIONAL_FIELDS = 10
_NOT_COUNTED = frozenset({"IMPRESSION", "RECOMMENDATION_ID", "EVENT_ATTRIBUTION_SOURCE"})


def personalize_checks(
    report: DataReport, schema: DatasetSchema, incremental: bool = False
) -> list[Check]:
    """Each rule that applies to the dataset type, with the required and the found figure.

    An INCREMENTAL import adds to the rows the dataset already holds, so Personalize's minimums
    are judged on the whole dataset at training time, not on the new file: only "some rows" is
    required of it.
    """
    if schema.dataset_type != "INTERACTIONS":
        return [_at_least("rows", 1, report.rows_out)]
    optional = [f for f in schema.optional_fields if f not in _NOT_COUNTED]
    combined = len(report.event_types) + len(optional)
    minimums = (
        [_at_least("rows", 1, report.rows_out)]
        if incremental
        else [
            _at_least("interactions", MIN_INTERACTIONS, report.rows_out),
            _at_least(
                "users with 2+ interactions", MIN_USERS_WITH_2, report.users_with_2_or_more or 0
            ),
        ]
    )
    return [
        *minimums,
        Check(
            rule="distinct event types + optional fields",
            required=f"<= {MAX_EVENT_TYPES_AND_OPTIONAL_FIELDS}",
            found=f"{combined} ({len(report.event_types)} event types + {optional})",
            ok=combined <= MAX_EVENT_TYPES_AND_OPTIONAL_FIELDS,
        ),
    ]


def enforce(report: DataReport) -> None:
    """Raise ``BelowMinimumsError`` with every failed rule, required and found side by side."""
    failed = [c for c in report.checks if not c.ok]
    if failed:
        lines = "; ".join(f"{c.rule}: required {c.required}, found {c.found}" for c in failed)
        raise BelowMinimumsError(
            f"{report.dataset_type.lower()} data does not meet Personalize's rules, so it was "
            f"not kept for import: {lines}",
            report,
        )


def _at_least(rule: str, minimum: int, found: int) -> Check:
    return Check(rule=rule, required=f">= {minimum:,}", found=f"{found:,}", ok=found >= minimum)
