"""What ``provision`` would do, found by reading only (List and Describe calls).

Each resource of the configuration is looked up as its ``ensure_*`` task would look it up; the
plan says ``create`` when it is missing, ``exists`` when it matches, and ``drift`` (with the
fields that differ) when the live resource differs from the configuration.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from flows.dataset_schemas import plan_schema_updates
from tasks.aws import client
from tasks.config import PipelineConfig
from tasks.resources import describe, differences, find


@dataclass(frozen=True)
class PlanRow:
    """One resource and what provisioning would do with it."""

    kind: str
    name: str
    action: str
    detail: str = ""
    arn: str | None = None


class _Planner:
    """Looks resources up and records a row for each."""

    def __init__(self, config: PipelineConfig) -> None:
        self.personalize = client(config.aws, "personalize")
        self.rows: list[PlanRow] = []

    def check(
        self,
        kind: str,
        name: str,
        list_operation: str,
        result_key: str,
        configured: Mapping[str, Any],
        match: Callable[[dict[str, Any]], bool] | None = None,
        params: Mapping[str, Any] | None = None,
    ) -> str | None:
        """Record the row for one resource; return its ARN when it exists."""
        select = match or (lambda summary: summary.get("name") == name)
        found = find(
            self.personalize, list_operation, result_key, select, f"{kind} {name}", **(params or {})
        )
        if found is None:
            self.rows.append(PlanRow(kind, name, "create"))
            return None
        arn = str(next(value for key, value in found.items() if key.endswith("Arn")))
        drift = differences(configured, describe(self.personalize, kind, arn))
        if drift:
            detail = "; ".join(f"{k}: configured {w!r}, live {h!r}" for k, (w, h) in drift.items())
            self.rows.append(PlanRow(kind, name, "drift", detail, arn))
        else:
            self.rows.append(PlanRow(kind, name, "exists", arn=arn))
        return arn

    def missing(self, kind: str, name: str) -> None:
        """Record a resource whose parent is missing (so it is missing too)."""
        self.rows.append(PlanRow(kind, name, "create"))


def plan_resources(config: PipelineConfig) -> list[PlanRow]:
    """The plan for every resource the configuration describes, parents first."""
    planner = _Planner(config)
    group_name = config.dataset_group.name
    group = planner.check("dataset-group", group_name, "list_dataset_groups", "datasetGroups", {})
    children = {"datasetGroupArn": group} if group else None
    for dataset_type, dataset in config.datasets.configured().items():
        name = config.resource_name(dataset_type)
        schema = planner.check(
            "schema", name, "list_schemas", "schemas", {"schema": json.dumps(dataset.avro_schema)}
        )
        if children is None:
            planner.missing("dataset", name)
            continue
        configured = {"name": name, **({"schemaArn": schema} if schema else {})}
        kind = dataset_type.upper()
        planner.check(
            "dataset",
            name,
            "list_datasets",
            "datasets",
            configured,
            match=lambda summary, kind=kind: summary.get("datasetType") == kind,  # type: ignore[misc]
            params=children,
        )
    for item in config.filters:
        if children is None:
            planner.missing("filter", item.name)
        else:
            expression = {"filterExpression": item.expression}
            planner.check(
                "filter", item.name, "list_filters", "Filters", expression, params=children
            )
    if config.event_tracker:
        name = config.event_tracker.name
        if children is None:
            planner.missing("event-tracker", name)
        else:
            planner.check(
                "event-tracker", name, "list_event_trackers", "eventTrackers", {}, params=children
            )
    for solution in config.solutions:
        if children is None:
            planner.missing("solution", solution.name)
        else:
            recipe = {"recipeArn": solution.recipe_arn}
            planner.check(
                "solution", solution.name, "list_solutions", "solutions", recipe, params=children
            )
    return plan_schema_updates(config, planner.rows)
