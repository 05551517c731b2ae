"""A dataset whose configured schema gained fields: provision updates it instead of stopping.

1. A missing dataset is created with its schema as before; a live one whose schema matches the
   configured one is used as it is (whatever its schema is called).
2. When the configured schema differs from the live one in a way Personalize allows (an Items
   or Users dataset gaining fields that allow null; ``tasks.schema_changes``), the new schema
   is created under its own name and the dataset updated (UpdateDataset, followed through its
   UPDATE statuses). Any other difference stops the run with the reason, changing nothing.
The plan shows the same (``tasks.dataset_updates.plan_schema_updates``).
"""

from __future__ import annotations

from typing import Any

from tasks.config import PipelineConfig
from tasks.dataset_updates import live_dataset, update_dataset_schema
from tasks.datasets import ensure_dataset
from tasks.errors import DriftError
from tasks.reporting import run_logger
from tasks.schema_changes import refusal, schema_change, versioned_name
from tasks.schemas import ensure_schema


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
