"""``teardown``: delete what the configuration created, children first, waiting for each.

Campaigns, solutions (trainings in flight are stopped first), filters, the event tracker,
datasets, the dataset group and its schemas, then the flows' per-solution locks. What is
already gone counts as deleted, so a rerun finishes a teardown that was interrupted. Data in
the bucket (raw, prepared, batch output) is the user's and is left alone.

It deletes only when ``confirm`` is the dataset group's name, typed. Without it (a Quick run
from the UI) the run only shows what it would delete, in order, as a table artifact, and
changes nothing; a ``confirm`` naming another group stops the run before any AWS call.
"""

from __future__ import annotations

from contextlib import suppress

from prefect import flow
from prefect.artifacts import create_table_artifact
from prefect.client.orchestration import get_client
from prefect.exceptions import ObjectNotFound
from pydantic import Field

from flows.configured import DEFAULT_CONFIG
from flows.locks import dataset_lock_name, lock_name
from tasks.config import ConfigError, load_config
from tasks.costs import region_prices, savings_column
from tasks.endpoints import check_endpoints
from tasks.reporting import artifact_key, run_logger
from tasks.resources import find_arn
from tasks.teardown import plan_teardown, teardown_dataset_group

SAVES = "saves per month (USD)"


@flow(name="teardown", log_prints=True)
def teardown(
    config_path: str = Field(
        DEFAULT_CONFIG, description="The pipeline configuration whose resources to delete."
    ),
    delete_schemas: bool = Field(True, description="Also delete the schemas its datasets used."),
    confirm: str = Field(
        "",
        description="Type the dataset group's name to delete it and everything in it. Empty: "
        "only show what would be deleted, in order (nothing is changed).",
    ),
) -> list[str]:
    """Delete the configured dataset group and everything in it (with ``confirm``, its name);
    return the ARNs deleted. Without ``confirm``, publish the plan and delete nothing."""
    config = load_config(config_path)
    name = config.dataset_group.name
    if confirm and confirm != name:
        raise ConfigError(
            config_path,
            [f"confirm: {confirm!r} is not the dataset group's name {name!r}; type it exactly "
             "to delete, or leave confirm empty to see what would be deleted"],
        )  # fmt: skip
    check_endpoints(config.aws)  # where this run goes; stops early if not ready
    logger = run_logger()
    group = find_arn(config.aws, "dataset-group", name)
    if not confirm:
        plan = plan_teardown(config.aws, group, delete_schemas) if group else []
        _, prices = region_prices(config.aws, config.costs)
        saves = savings_column(config.aws, prices, plan)
        rows = [
            {"kind": k, "arn": arn, SAVES: save} for (k, arn), save in zip(plan, saves, strict=True)
        ]
        _publish(name, "would delete", rows)
        logger.warning(
            "Nothing was deleted: teardown would delete %d resource(s) of %s, in the order of "
            "the artifact %s. To delete them, run again with confirm=%s.",
            len(plan), name, artifact_key("teardown", name), name,
        )  # fmt: skip
        return []
    deleted: list[str] = []
    if group is None:
        logger.info("Dataset group %s does not exist; nothing to delete", name)
    else:
        deleted = teardown_dataset_group(config.aws, group, delete_schemas=delete_schemas)
    with get_client(sync_client=True) as prefect:
        locks = [lock_name(solution.name) for solution in config.solutions]
        locks += [dataset_lock_name(name, kind) for kind in config.datasets.configured()]
        for lock in locks:
            with suppress(ObjectNotFound):
                prefect.delete_global_concurrency_limit_by_name(lock)
    _publish(name, "deleted", [{"arn": arn} for arn in deleted])
    return deleted


def _publish(name: str, what: str, rows: list[dict[str, str]]) -> None:
    """The plan or what was deleted, in order, as a table artifact."""
    numbered = [{"order": str(n), **row} for n, row in enumerate(rows, start=1)]
    create_table_artifact(
        numbered or [{"order": "n/a", "arn": "nothing (already gone)"}],
        key=artifact_key("teardown", name),
        description=f"Teardown of {name}: what it {what}, in order",
    )
