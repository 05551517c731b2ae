"""Crashed retrains rerun by themselves; a run whose process died is marked Crashed.

``python -m deployments.deploy`` sets these up (``python -m deployments.crash_recovery`` alone
does too):

1. Heartbeats: the pool's runs emit ``prefect.flow-run.heartbeat`` every
   ``HEARTBEAT_SECONDS`` (``PREFECT_FLOWS_HEARTBEAT_FREQUENCY`` in the pool's run
   environment, :func:`heartbeat_env`).
2. The automation ``personalize: silent run crashed`` marks a pipeline run (tag
   ``personalize``) ``Crashed`` when its heartbeats stop for ``SILENT_SECONDS`` without the run
   ending: its process was killed (out of memory, a machine lost) and nothing else would ever
   say so. This is Prefect's own recipe for zombie runs.
3. The automation ``personalize: rerun crashed retrain`` sets a retrain run (tag ``retrain``)
   that ended ``Crashed`` back to ``Scheduled`` (named ``AwaitingRetry``) on its first
   ``MAX_RERUNS`` attempts, matched on the crash event's ``prefect.run-count``; a worker then
   runs it again: the same run, the same parameters, every attempt in its state history and
   logs. A rerun is safe by design: it attaches to the import or training in flight, or uses
   the version trained while it was down. A third crash is left for a person (and notified,
   with ``deployments/notifications.py``).
"""

from __future__ import annotations

import asyncio
import sys
from datetime import timedelta

from prefect.automations import Automation
from prefect.client.schemas.objects import StateType
from prefect.events.actions import ChangeFlowRunState
from prefect.events.schemas.automations import EventTrigger, Posture

from tasks.command_line import command_parser

HEARTBEAT_SECONDS = 30
"""How often a run says it is alive (Prefect accepts 30 s or more)."""
SILENT_SECONDS = 90
"""How long a run may be silent before it is taken for dead."""
MAX_RERUNS = 2
"""Automatic reruns of one crashed retrain run."""
SILENT_RUN_AUTOMATION = "personalize: silent run crashed"
RERUN_AUTOMATION = "personalize: rerun crashed retrain"
PIPELINE_TAG = "personalize"
RETRAIN_TAG = "retrain"
RERUN_MESSAGE = (
    "Rerun automatically after a crash (automation '{name}', at most {limit} reruns): it "
    "attaches to the import or training left in flight."
)


def heartbeat_env() -> dict[str, str]:
    """The run environment that makes every run of the pool emit heartbeats."""
    return {"PREFECT_FLOWS_HEARTBEAT_FREQUENCY": str(HEARTBEAT_SECONDS)}


def silent_run_automation(silent_seconds: int = SILENT_SECONDS) -> Automation:
    """Crashed, for a pipeline run whose heartbeats stopped for ``silent_seconds`` while it had
    not ended."""
    return Automation(
        name=SILENT_RUN_AUTOMATION,
        description=(
            f"A pipeline run silent for {silent_seconds} s (its process died) is marked Crashed, "
            "so that it can be rerun and its locks' holder is known."
        ),
        trigger=EventTrigger(
            match={"prefect.resource.id": "prefect.flow-run.*"},
            match_related={
                "prefect.resource.role": "tag",
                "prefect.resource.id": f"prefect.tag.{PIPELINE_TAG}",
            },
            after={"prefect.flow-run.heartbeat"},
            expect={
                "prefect.flow-run.heartbeat",
                "prefect.flow-run.Completed",
                "prefect.flow-run.Failed",
                "prefect.flow-run.Cancelled",
                "prefect.flow-run.Crashed",
            },
            for_each={"prefect.resource.id"},
            posture=Posture.Proactive,
            threshold=1,
            within=timedelta(seconds=silent_seconds),
        ),
        actions=[
            ChangeFlowRunState(
                name=None,
                state=StateType.CRASHED,
                message=f"No heartbeat for {silent_seconds} s: the run's process is gone.",
                force=False,
            )
        ],
    )


def rerun_automation() -> Automation:
    """Scheduled again, for a retrain run that crashed on one of its first attempts."""
    return Automation(
        name=RERUN_AUTOMATION,
        description=(
            f"A retrain run that crashes is run again, at most {MAX_RERUNS} times; it attaches "
            "to the work left in flight."
        ),
        trigger=EventTrigger(
            match={
                "prefect.resource.id": "prefect.flow-run.*",
                "prefect.run-count": [str(n) for n in range(1, MAX_RERUNS + 1)],
            },
            match_related={
                "prefect.resource.role": "tag",
                "prefect.resource.id": f"prefect.tag.{RETRAIN_TAG}",
            },
            expect={"prefect.flow-run.Crashed"},
            for_each={"prefect.resource.id"},
            posture=Posture.Reactive,
            threshold=1,
        ),
        actions=[
            ChangeFlowRunState(
                state=StateType.SCHEDULED,
                name="AwaitingRetry",
                message=RERUN_MESSAGE.format(name=RERUN_AUTOMATION, limit=MAX_RERUNS),
                force=False,
            )
        ],
    )


async def enable_crash_recovery() -> list[Automation]:
    """(Re)create both automations."""
    created = []
    for automation in (silent_run_automation(), rerun_automation()):
        try:
            existing = await Automation.aread(name=automation.name)
        except ValueError:
            pass
        else:
            await existing.adelete()
        created.append(await automation.acreate())
    return created


def main(argv: list[str] | None = None) -> int:
    """Entry point: set up both automations on the current Prefect API."""
    command_parser("python -m deployments.crash_recovery", __doc__).parse_args(argv)
    for automation in asyncio.run(enable_crash_recovery()):
        print(f"Automation {automation.name!r} ready.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
