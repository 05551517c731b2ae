"""A dataset whose configured schema gained fields: provision updates it instead of stopping.

1. A missing dataset is created with its schema as before; a live one whose schema matches the
   configured one is used as it is (whatever its schema is called).
2. When the configured schema differs from the live one in a way Personalize allows (an Items
   or Users dataset gaining fields that allow null; ``tasks.schema_changes``), the new schema
   is created under its own name and the dataset updated (UpdateDataset, followed through its
   UPDATE statuses). Any other difference stops the run with the reason, changing nothing.
The plan shows the same (``tasks.dataset_updates.plan_schema_updates``). In the walk
(``desired_datasets``) each dataset follows its schema; its step ensures both.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from tasks.config import DatasetType, PipelineConfig
from tasks.dataset_groups import group_key
from tasks.dataset_updates import live_dataset, update_dataset_schema
from tasks.datasets import ensure_dataset, wanted_dataset
from tasks.desired import Desired
from tasks.errors import DriftError
from tasks.reporting import run_logger
from tasks.schema_changes import refusal, schema_change, versioned_name
from tasks.schemas import ensure_schema, wanted_schema


def ensure_dataset_with_schema(
    config: PipelineConfig, dataset_group_arn: str, dataset_type: str, schema: dict[str, Any]
) -> str:
    """The ARN of the group's dataset of a type, its schema the configured one."""
    aws, name = config.aws, config.resource_name(dataset_type)
    domain = config.dataset_group.domain
    live = live_dataset(aws, dataset_group_arn, dataset_type)
    if not live:
        schema_arn = ensure_schema(aws, name, schema, domain)
        return ensure_dataset(aws, dataset_group_arn, dataset_type, name, schema_arn)
    change = schema_change(live["schema"], schema, dataset_type)
    if not change.changed:
        return ensure_dataset(aws, dataset_group_arn, dataset_type, name, live["schemaArn"])
    if not change.allowed:
        message = refusal(name, change)
        run_logger().error(message)
        raise DriftError(message)
    schema_arn = ensure_schema(aws, versioned_name(name, schema), schema, domain)
    run_logger().info("Dataset %s gains %s: updating its schema", name, ", ".join(change.added))
    update_dataset_schema(aws, live["datasetArn"], schema_arn)
    return ensure_dataset(aws, dataset_group_arn, dataset_type, name, schema_arn)


def desired_datasets(config: PipelineConfig) -> Iterator[Desired]:
    """Each configured dataset after its schema (the schema has no ``ensure`` of its own: the
    dataset's step creates it, under a versioned name when the dataset gains fields)."""
    for dataset_type, dataset in config.datasets.configured().items():
        yield from _desired_dataset(config, dataset_type, dataset.avro_schema)


def _desired_dataset(
    config: PipelineConfig, dataset_type: DatasetType, schema: dict[str, Any]
) -> Iterator[Desired]:
    group, name = group_key(config), config.resource_name(dataset_type)
    wanted = wanted_schema(name, schema, config.dataset_group.domain)
    yield Desired("schema", name, lambda _: wanted)
    yield Desired(
        "dataset",
        name,
        lambda arns: wanted_dataset(arns[group], dataset_type, name, arns.get(("schema", name))),
        parent=group,
        inputs=(("schema", name),),
        ensure=lambda arns: ensure_dataset_with_schema(config, arns[group], dataset_type, schema),
        slot=("datasets", dataset_type),
    )
