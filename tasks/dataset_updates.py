"""Dataset updates: replace a live dataset's schema (UpdateDataset), and show it in the plan.

1. ``live_dataset`` reads a group's dataset of one type: its ARN, name and status, and its
   schema's ARN and text.
2. ``update_dataset_schema`` calls UpdateDataset (unless the dataset already uses the schema,
   or an update to it is running: then it attaches) and follows the dataset through
   UPDATE PENDING and UPDATE IN_PROGRESS to ACTIVE (the ``dataset-update`` kind's wait), then
   checks that the dataset names the new schema.
3. ``plan_schema_updates`` rewrites the plan's schema and dataset rows as provision would act:
   ``update`` (with the fields added) for a change AWS allows, ``drift`` with the reason for one
   it does not, ``exists`` for a dataset already on its configured schema under another name.
Which changes AWS allows is decided without a call (``tasks.schema_changes``).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from tasks.aws import AwsSettings, client
from tasks.config import PipelineConfig
from tasks.errors import translated
from tasks.reporting import run_logger
from tasks.resources import Action, PlanRow, Wanted, find
from tasks.retries import personalize_task
from tasks.schema_changes import refusal, schema_change, versioned_name
from tasks.waiter import ResourceFailedError, describe, wait_for


def read_live_dataset(
    personalize: Any, dataset_group_arn: str, dataset_type: str
) -> dict[str, Any]:
    """The group's dataset of a type with its schema's text ({} when the group has none)."""
    found = find(personalize, "dataset", Wanted("dataset", dataset_type, key=dataset_type).matches,
                 dataset_group_arn)  # fmt: skip
    if found is None:
        return {}
    dataset = describe(personalize, "dataset", found["datasetArn"])
    schema = describe(personalize, "schema", dataset["schemaArn"])
    return {
        "datasetArn": dataset["datasetArn"],
        "name": dataset.get("name"),
        "status": dataset.get("status"),
        "schemaArn": dataset["schemaArn"],
        "schema": schema["schema"],
    }


@personalize_task()
def live_dataset(aws: AwsSettings, dataset_group_arn: str, dataset_type: str) -> dict[str, Any]:
    """The group's dataset of a type: ``datasetArn``, ``name``, ``status``, ``schemaArn`` and
    ``schema`` (its text); {} when the group has none."""
    return read_live_dataset(client(aws, "personalize"), dataset_group_arn, dataset_type)


@personalize_task()
def update_dataset_schema(
    aws: AwsSettings, dataset_arn: str, schema_arn: str, deadline_seconds: float | None = None
) -> str:
    """The dataset's ARN once it is ACTIVE with ``schema_arn`` as its schema."""
    personalize = client(aws, "personalize")
    logger = run_logger()
    dataset = describe(personalize, "dataset", dataset_arn)
    status = str(dataset.get("status", ""))
    running = status.startswith("UPDATE") and not status.endswith("FAILED")
    if dataset.get("schemaArn") == schema_arn and not running:
        logger.info("The dataset %s already uses the schema %s", dataset_arn, schema_arn)
        return dataset_arn
    if running and (dataset.get("latestDatasetUpdate") or {}).get("schemaArn") == schema_arn:
        logger.info("Attaching to the update of %s already running", dataset_arn)
    else:
        if running:
            logger.info("Another update of %s is running; waiting for it first", dataset_arn)
            wait_for(personalize, "dataset-update", dataset_arn, deadline_seconds=deadline_seconds)
        with translated(f"dataset {dataset_arn}"):
            personalize.update_dataset(datasetArn=dataset_arn, schemaArn=schema_arn)
        logger.info("Replacing the schema of %s with %s", dataset_arn, schema_arn)
    done = wait_for(personalize, "dataset-update", dataset_arn, deadline_seconds=deadline_seconds)
    if done.resource.get("schemaArn") != schema_arn:
        reason = (done.resource.get("latestDatasetUpdate") or {}).get("failureReason", "")
        raise ResourceFailedError(
            "dataset-update",
            dataset_arn,
            str(done.resource.get("status")),
            reason or f"the dataset still uses {done.resource.get('schemaArn')}",
        )
    return dataset_arn


def plan_schema_updates(
    personalize: Any, config: PipelineConfig, rows: list[PlanRow]
) -> list[PlanRow]:
    """The plan with each live dataset's schema change shown as provision would handle it."""
    group = next((r.arn for r in rows if r.kind == "dataset-group" and r.arn), None)
    if group is None:
        return rows
    planned = list(rows)
    for dataset_type, dataset in config.datasets.configured().items():
        live = read_live_dataset(personalize, group, dataset_type)
        if not live:
            continue
        name = config.resource_name(dataset_type)
        schema_row = next(r for r in planned if r.kind == "schema" and r.name == name)
        dataset_row = next(r for r in planned if r.kind == "dataset" and r.name == name)
        new_schema, action, notes = _planned(personalize, name, live, dataset.avro_schema,
                                             dataset_type, schema_row)  # fmt: skip
        if live["name"] != name:
            notes.append(f"name: configured {name!r}, live {live['name']!r}")
            action = "differs" if action == "exists" else action
        planned[planned.index(schema_row)] = new_schema
        planned[planned.index(dataset_row)] = replace(dataset_row, action=action,
                                                      detail="; ".join(notes))  # fmt: skip
    return planned


def _planned(
    personalize: Any,
    name: str,
    live: dict[str, Any],
    schema: dict[str, Any],
    dataset_type: str,
    schema_row: PlanRow,
) -> tuple[PlanRow, Action, list[str]]:
    """(the schema's row, the dataset's action, its notes) for one live dataset."""
    change = schema_change(live["schema"], schema, dataset_type)
    if not change.changed:
        live_name = live["schemaArn"].rsplit("/", 1)[-1]
        return replace(schema_row, name=live_name, action="exists", detail="",
                       arn=live["schemaArn"]), "exists", []  # fmt: skip
    if not change.allowed:
        return schema_row, "drift", [refusal(name, change)]
    new_name = versioned_name(name, schema)
    existing = find(personalize, "schema", Wanted("schema", new_name).matches)
    new_schema = replace(schema_row, name=new_name, detail="",
                         action="exists" if existing else "create",
                         arn=existing["schemaArn"] if existing else None)  # fmt: skip
    return (
        new_schema,
        "update",
        [f"replace its schema (UpdateDataset): adds {', '.join(change.added)}"],
    )
