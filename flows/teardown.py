"""``teardown``: delete what the configuration created, children first, waiting for each.

Campaigns, solutions (trainings in flight are stopped first), filters, the event tracker,
datasets, the dataset group and its schemas, then the flows' per-solution locks. What is
already gone counts as deleted, so a rerun finishes a teardown that was interrupted. Data in
the bucket (raw, prepared, batch output) is the user's and is left alone.
"""

from __future__ import annotations

from contextlib import suppress

from prefect import flow
from prefect.artifacts import create_markdown_artifact
from prefect.client.orchestration import get_client
from prefect.exceptions import ObjectNotFound
from pydantic import Field

from flows.configured import DEFAULT_CONFIG
from flows.locks import lock_name
from tasks.config import load_config
from tasks.endpoints import check_endpoints
from tasks.reporting import artifact_key, run_logger
from tasks.resources import find_arn
from tasks.teardown import teardown_dataset_group


@flow(name="teardown", log_prints=True)
def teardown(
    config_path: str = Field(
        DEFAULT_CONFIG, description="The pipeline configuration whose resources to delete."
    ),
    delete_schemas: bool = Field(True, description="Also delete the schemas its datasets used."),
) -> list[str]:
    """Delete the configured dataset group and everything in it; return the ARNs deleted."""
    config = load_config(config_path)
    check_endpoints(config.aws)  # where this run goes; stops early if not ready
    name = config.dataset_group.name
    group = find_arn(config.aws, "dataset-group", name)
    deleted: list[str] = []
    if group is None:
        run_logger().info("Dataset group %s does not exist; nothing to delete", name)
    else:
        deleted = teardown_dataset_group(config.aws, group, delete_schemas=delete_schemas)
    with get_client(sync_client=True) as prefect:
        for solution in config.solutions:
            with suppress(ObjectNotFound):
                prefect.delete_global_concurrency_limit_by_name(lock_name(solution.name))
    listing = "\n".join(f"- `{arn}`" for arn in deleted) or "- nothing (already gone)"
    create_markdown_artifact(
        f"## Teardown of {name}\n\nDeleted, in order:\n\n{listing}\n",
        key=artifact_key("teardown", name),
        description=f"What teardown deleted for {name}",
    )
    return deleted
