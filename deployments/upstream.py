"""An example upstream data flow: export fresh interactions to S3, then retrain on them.

Two ways to hand over to the retrain, pick one per upstream flow:

- ``export_interactions`` emits ``personalize.interactions.exported`` (resource
  ``personalize.dataset-group.<name>``, payload: ``interactions_uri``, ``import_mode``,
  ``dataset_group``, ``rows``) and returns at once. The ``retrain/on-new-interactions``
  deployment's trigger turns the payload into the retrain run's parameters.
- ``export_and_retrain`` starts that deployment itself with ``run_deployment`` and waits for the
  retrain's final state, failing when the retrain fails (the gate stopped the model, say), so
  downstream steps of the upstream flow only run on a promoted model. A retrain folded into
  another (a burst of exports, :mod:`flows.coalesce`) is followed to the run that took it.

The export reads any pandas-readable file or prefix (local, ``s3://``) and writes one Parquet
file under ``export_prefix``; a real upstream flow would query its warehouse here instead.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from pathlib import PurePosixPath
from typing import Literal, cast
from uuid import UUID

import pandas as pd
from prefect import flow, get_run_logger
from prefect.client.orchestration import get_client
from prefect.client.schemas.objects import FlowRun
from prefect.deployments import run_deployment
from prefect.events import emit_event
from pydantic import BaseModel

from flows.coalesce import FOLDED_TAG
from tasks.errors import ExpectedStop
from tasks.reporting import run_logger
from tasks.retries import personalize_task

EXPORTED_EVENT = "personalize.interactions.exported"
RETRAIN_DEPLOYMENT = "retrain/on-new-interactions"

ImportMode = Literal["FULL", "INCREMENTAL"]


class RetrainNotCompleted(ExpectedStop, RuntimeError):
    """The retrain an upstream flow waited for did not complete (the gate stopped it, say): the
    upstream flow fails with the retrain's own message, in one line."""


class ExportedFile(BaseModel):
    """Where an export was written and how many rows it holds."""

    uri: str
    rows: int


class RetrainOutcome(BaseModel):
    """The retrain run an upstream flow waited for."""

    flow_run_id: str
    flow_run_name: str
    state: str
    message: str | None


def dataset_group_resource(dataset_group: str) -> str:
    """The event resource id of a dataset group (what the deployment trigger matches)."""
    return f"personalize.dataset-group.{dataset_group}"


def _read_any(uri: str) -> pd.DataFrame:
    suffix = PurePosixPath(uri).suffix.lower()
    if suffix == ".csv":
        return pd.read_csv(uri)
    if suffix in {".jsonl", ".json"}:
        return pd.read_json(uri, lines=True)
    return pd.read_parquet(uri)


@personalize_task(name="export-interactions-file")
def export_interactions_file(source_uri: str, export_prefix: str) -> ExportedFile:
    """Copy the interactions at ``source_uri`` to a new, timestamped Parquet file."""
    frame = _read_any(source_uri)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    uri = f"{export_prefix.rstrip('/')}/interactions-{stamp}.parquet"
    frame.to_parquet(uri, index=False)
    get_run_logger().info("Exported %d interactions to %s", len(frame), uri)
    return ExportedFile(uri=uri, rows=len(frame))


@flow(name="export-interactions")
def export_interactions(
    source_uri: str, export_prefix: str, dataset_group: str, import_mode: ImportMode = "INCREMENTAL"
) -> ExportedFile:
    """Export interactions and announce them with a ``personalize.interactions.exported`` event.

    Args:
        source_uri: Interactions to export: a file or prefix, local or s3://.
        export_prefix: The s3:// prefix the export is written under.
        dataset_group: The dataset group the interactions belong to (the event's resource).
        import_mode: How the retrain should import the export.
    """
    exported = export_interactions_file(source_uri, export_prefix)
    emit_event(
        event=EXPORTED_EVENT,
        resource={
            "prefect.resource.id": dataset_group_resource(dataset_group),
            "prefect.resource.name": dataset_group,
        },
        payload={
            "interactions_uri": exported.uri,
            "import_mode": import_mode,
            "dataset_group": dataset_group,
            "rows": exported.rows,
        },
    )
    return exported


def taken_by(run: FlowRun, deadline: float) -> FlowRun:
    """The finished run that imported ``run``'s export: ``run``, or the run it was folded into."""
    with get_client(sync_client=True) as client:
        while folded := [t.removeprefix(FOLDED_TAG) for t in run.tags if t.startswith(FOLDED_TAG)]:
            run_logger().info("Retrain run %s was folded into %s", run.name, folded[0])
            run = client.read_flow_run(UUID(folded[0]))
            while not (run.state and run.state.is_final()):
                if time.monotonic() > deadline:
                    raise TimeoutError(f"retrain run {run.name} not finished in time")
                time.sleep(5)
                run = client.read_flow_run(run.id)
    return run


@flow(name="export-and-retrain")
def export_and_retrain(
    source_uri: str,
    export_prefix: str,
    import_mode: ImportMode = "INCREMENTAL",
    deployment: str = RETRAIN_DEPLOYMENT,
    timeout_seconds: float = 3600,
) -> RetrainOutcome:
    """Export interactions, run the retrain deployment on them and wait for its outcome.

    Args:
        source_uri: Interactions to export: a file or prefix, local or s3://.
        export_prefix: The s3:// prefix the export is written under.
        import_mode: How the retrain should import the export.
        deployment: The retrain deployment to run, as flow/deployment.
        timeout_seconds: How long to wait for the retrain before giving up.
    """
    exported = export_interactions_file(source_uri, export_prefix)
    run = cast(
        FlowRun,
        run_deployment(
            deployment,
            parameters={"interactions_uri": exported.uri, "import_mode": import_mode},
            timeout=timeout_seconds,
        ),
    )  # a FlowRun when called from a synchronous flow
    run = taken_by(run, time.monotonic() + timeout_seconds)
    state = run.state
    outcome = RetrainOutcome(
        flow_run_id=str(run.id),
        flow_run_name=run.name,
        state=str(state.name) if state else "unknown",
        message=state.message if state else None,
    )
    if state is None or not state.is_completed():
        raise RetrainNotCompleted(
            f"retrain run {run.name} ended {outcome.state}: {outcome.message or 'no message'}"
        )
    get_run_logger().info("Retrain run %s completed", run.name)
    return outcome
