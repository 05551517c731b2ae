"""A dataset whose configured schema gained fields: provision updates it instead of stopping.

1. ``ensure_dataset_with_schema`` (provision, one call per dataset): a missing dataset is
   created with its schema as before; a live one whose schema matches is used as it is.
2. When the configured schema differs from the live one in a way Personalize allows (an Items
   or Users dataset gaining fields that allow null; ``tasks.schema_changes``), the new schema
   is created under its own name and the dataset updated (UpdateDataset, followed through its
   UPDATE statuses). Any other difference stops the run with the reason, changing nothing.
3. ``plan_schema_updates`` rewrites the plan's schema and dataset rows the same way, so
   ``provision --plan`` shows ``update`` (with the fields added) or the reason it would stop.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any

from tasks.aws import client
from tasks.config import PipelineConfig
from tasks.dataset_updates import live_dataset, update_dataset_schema
from tasks.datasets import ensure_dataset
from tasks.errors import DriftError
from tasks.reporting import run_logger
from tasks.resources import find, named
from tasks.schema_changes import refusal, schema_change, versioned_name
from tasks.schemas import ensure_schema

if TYPE_CHECKING:
    from flows.plan import PlanRow


def ensure_dataset_with_schema(
    config: PipelineConfig, dataset_group_arn: str, dataset_type: str, schema: dict[str, Any]
) -> str:
    """The ARN of the group's dataset of a type, its schema the configured one."""
    aws, name = config.aws, config.resource_name(dataset_type)
    live = live_dataset(aws, dataset_group_arn, dataset_type)
    if not live:
        return ensure_dataset(
            aws, dataset_group_arn, dataset_type, name, ensure_schema(aws, name, schema)
        )
    change = schema_change(live["schema"], schema, dataset_type)
    if not change.changed:
        return ensure_dataset(aws, dataset_group_arn, dataset_type, name, live["schemaArn"])
    if not change.allowed:
        message = refusal(name, change)
        run_logger().error(message)
        raise DriftError(message)
    schema_arn = ensure_schema(aws, versioned_name(name, schema), schema)
    run_logger().info("Dataset %s gains %s: updating its schema", name, ", ".join(change.added))
    update_dataset_schema(aws, live["datasetArn"], schema_arn)
    return ensure_dataset(aws, dataset_group_arn, dataset_type, name, schema_arn)


def plan_schema_updates(config: PipelineConfig, rows: list[PlanRow]) -> list[PlanRow]:
    """The plan with each live dataset's schema change shown as provision would handle it."""
    group = next((r.arn for r in rows if r.kind == "dataset-group" and r.arn), None)
    if group is None:
        return rows
    personalize = client(config.aws, "personalize")
    planned = list(rows)
    for dataset_type, dataset in config.datasets.configured().items():
        name = config.resource_name(dataset_type)
        live = live_dataset.fn(config.aws, group, dataset_type)
        if not live:
            continue
        schema_row, dataset_row = _rows(planned, name)
        renamed = f"name: configured {name!r}, live {live['name']!r}"
        others = [renamed] if live["name"] != name else []
        change = schema_change(live["schema"], dataset.avro_schema, dataset_type)
        new_schema = schema_row
        if not change.changed:
            live_name = live["schemaArn"].rsplit("/", 1)[-1]
            new_schema = replace(schema_row, name=live_name, action="exists", detail="",
                                 arn=live["schemaArn"])  # fmt: skip
            action = "drift" if others else "exists"
        elif change.allowed:
            schema_name = versioned_name(name, dataset.avro_schema)
            existing = find(personalize, "list_schemas", "schemas", named(schema_name),
                            f"schema {schema_name}")  # fmt: skip
            new_schema = replace(schema_row, name=schema_name, detail="",
                                 action="exists" if existing else "create",
                                 arn=existing["schemaArn"] if existing else None)  # fmt: skip
            others.insert(0, f"replace its schema (UpdateDataset): adds {', '.join(change.added)}")
            action = "update"
        else:
            others.insert(0, refusal(name, change))
            action = "drift"
        new_dataset = replace(dataset_row, action=action, detail="; ".join(others))
        planned[planned.index(schema_row)] = new_schema
        planned[planned.index(dataset_row)] = new_dataset
    return planned


def _rows(rows: list[PlanRow], name: str) -> tuple[PlanRow, PlanRow]:
    """The plan's schema row and dataset row of a dataset."""
    schema = next(r for r in rows if r.kind == "schema" and r.name == name)
    dataset = next(r for r in rows if r.kind == "dataset" and r.name == name)
    return schema, dataset
