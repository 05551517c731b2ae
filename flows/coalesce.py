"""A burst of exports becomes one retrain: the run that gets to work takes every waiting export.

Each ``personalize.interactions.exported`` event creates a run of ``retrain/on-new-interactions``
(Prefect's deployment trigger). The deployment runs one at a time (concurrency limit 1,
``ENQUEUE``): while a run works, the runs created after it wait in ``AwaitingConcurrencySlot``,
without a process. Prefect has no way to fold them (its collision strategies are ``ENQUEUE``
and ``CANCEL_NEW``, which loses the export; a trigger's ``within`` fires on the first event
and drops the rest of the window; an automation's run has no idempotency key of ours), so:

1. Once a run holds its locks (:mod:`flows.locks`), :func:`take_waiting_exports` reads the
   runs of its deployment still waiting with the same parameters but the export, tags each
   ``folded-into:<run id>`` and cancels it ("folded into ..."): their exports are this run's.
   A run that arrives later waits for the next turn, and is folded into whichever run gets to
   work first: at most one run works after the one working, whatever the burst.
2. The exports, in the order their runs were created, are imported in one run
   (:func:`exports_to_import`): from the newest FULL one on (the older ones are replaced by it)
   as FULL, else every INCREMENTAL one, as one increment (:func:`tasks.exports.stage_exports`
   copies their files, in order, under one prefix).
3. A rerun of the run (after a crash) finds the runs tagged as folded into it (and a run that
   folds a crashed run waiting for its rerun takes what that one had taken), so no export it
   took is lost: a run is tagged with the run taking its export before it is cancelled.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal
from uuid import UUID

from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import (
    FlowRunFilter,
    FlowRunFilterDeploymentId,
    FlowRunFilterState,
    FlowRunFilterStateType,
    FlowRunFilterTags,
)
from prefect.client.schemas.objects import FlowRun, StateType
from prefect.client.schemas.sorting import FlowRunSort
from prefect.states import Cancelled

from tasks.reporting import run_logger

ImportMode = Literal["FULL", "INCREMENTAL"]
FOLDED_TAG = "folded-into:"
EXPORT_PARAMETERS = ("interactions_uri", "import_mode")


@dataclass(frozen=True)
class Export:
    """One upstream export, as its run's parameters name it."""

    uri: str
    mode: ImportMode | None
    run: str
    """The flow run that was started for it."""


def exports_to_import(
    exports: Sequence[Export], configured: ImportMode
) -> tuple[list[Export], ImportMode]:
    """What one run imports of ``exports`` (oldest first) and how: the newest FULL one and
    every later one as FULL, else all of them as INCREMENTAL (no mode: ``configured``)."""
    modes = [export.mode or configured for export in exports]
    fulls = [i for i, mode in enumerate(modes) if mode == "FULL"]
    if fulls:
        return list(exports[fulls[-1] :]), "FULL"
    return list(exports), "INCREMENTAL"


def take_waiting_exports(run_id: UUID) -> list[Export]:
    """This run's export and those of the runs waiting behind it (now folded into it), oldest
    first; only its own when it is not a deployment's run with an export."""
    with get_client(sync_client=True) as client:
        me = client.read_flow_run(run_id)
        own = _export(me)
        if me.deployment_id is None or own is None:
            return [own] if own else []
        taken = {run.id: run for run in _folded_into(client, me)}  # a rerun's earlier fold
        for run in _waiting(client, me):
            if run.id not in taken and _same_request(run, me):
                client.update_flow_run(run.id, tags=[*run.tags, FOLDED_TAG + str(me.id)])
                client.set_flow_run_state(
                    run.id, Cancelled(message=f"folded into {me.name} ({me.id})"), force=True
                )
                taken |= {r.id: r for r in [run, *_folded_into(client, run)]}
    runs = sorted([me, *taken.values()], key=lambda run: run.created or datetime.now(UTC))
    exports = [export for run in runs if (export := _export(run))]
    if len(exports) > 1:
        run_logger().info(
            "Took the exports of %d waiting runs (cancelled as folded into this one): %s",
            len(exports) - 1,
            ", ".join(export.run for export in exports if export.run != me.name),
        )
    return exports


def _export(run: FlowRun) -> Export | None:
    uri = run.parameters.get("interactions_uri")
    mode = run.parameters.get("import_mode") or None
    return Export(str(uri), mode, run.name) if uri else None


def _same_request(run: FlowRun, me: FlowRun) -> bool:
    """Whether ``run`` asks for what ``me`` does, but for its export."""

    def rest(parameters: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in parameters.items() if k not in EXPORT_PARAMETERS}

    return rest(run.parameters) == rest(me.parameters) and _export(run) is not None


def _waiting(client: Any, me: FlowRun) -> list[FlowRun]:
    """The runs of ``me``'s deployment due now and not started (waiting for their turn)."""
    assert me.deployment_id is not None
    runs = client.read_flow_runs(
        flow_run_filter=FlowRunFilter(
            deployment_id=FlowRunFilterDeploymentId(any_=[me.deployment_id]),
            state=FlowRunFilterState(type=FlowRunFilterStateType(any_=[StateType.SCHEDULED])),
        ),
        sort=FlowRunSort.EXPECTED_START_TIME_ASC,
    )
    now = datetime.now(UTC)
    return [run for run in runs if not run.expected_start_time or run.expected_start_time <= now]


def _folded_into(client: Any, run: FlowRun) -> list[FlowRun]:
    """The runs folded into ``run`` (by an earlier attempt of it), and into those."""
    tag = FlowRunFilterTags(all_=[FOLDED_TAG + str(run.id)])
    direct = list(client.read_flow_runs(flow_run_filter=FlowRunFilter(tags=tag)))
    return direct + [deeper for folded in direct for deeper in _folded_into(client, folded)]
