"""Notify a webhook when a pipeline run fails or its gate stops a model (off until enabled).

``python -m deployments.notifications enable URL`` saves a Prefect webhook block
(``personalize-alerts``: POSTs ``{"subject": ..., "body": ...}`` as JSON) and an automation
that sends it a notification whenever a flow run tagged ``personalize`` (every deployment in
``prefect.yaml``) ends Failed or Crashed. A retrain stopped by its metrics gate ends Failed with
the gate's verdict as the state message, so the same notification carries it.
``disable`` removes both. ``python -m deployments.deploy --alert-webhook URL`` enables it too.

To notify Slack, Teams, e-mail etc. instead, create any Prefect notification block in the UI
and point the automation's action at it; the automation itself stays the same.
"""

from __future__ import annotations

import asyncio
import contextlib
import sys

from prefect.automations import Automation
from prefect.blocks.notifications import CustomWebhookNotificationBlock
from prefect.events.actions import SendNotification
from prefect.events.schemas.automations import EventTrigger, Posture
from prefect.exceptions import ObjectNotFound

from tasks.command_line import command_parser

ALERT_BLOCK = "personalize-alerts"
FAILED_RUN_AUTOMATION = "personalize: failed run"
PIPELINE_TAG = "personalize"

SUBJECT = "Personalize pipeline: {{ flow.name }}/{{ flow_run.name }} {{ flow_run.state.name }}"
BODY = """\
Flow run {{ flow_run.name }} of {{ flow.name }} ended {{ flow_run.state.name }}.
Deployment: {{ deployment.name if deployment else "(none)" }}
Parameters: {{ flow_run.parameters }}
Message: {{ flow_run.state.message }}
{{ flow_run|ui_url }}"""


def failed_run_trigger() -> EventTrigger:
    """Fires on each flow run of the pipeline (tag ``personalize``) that fails or crashes."""
    return EventTrigger(
        match={"prefect.resource.id": "prefect.flow-run.*"},
        match_related={
            "prefect.resource.role": "tag",
            "prefect.resource.id": f"prefect.tag.{PIPELINE_TAG}",
        },
        expect={"prefect.flow-run.Failed", "prefect.flow-run.Crashed"},
        for_each={"prefect.resource.id"},
        posture=Posture.Reactive,
        threshold=1,
    )


async def enable_notifications(webhook_url: str) -> Automation:
    """Save the webhook block and (re)create the failed-run automation that uses it."""
    block = CustomWebhookNotificationBlock(
        name=ALERT_BLOCK,
        url=webhook_url,
        method="POST",
        json_data={"subject": "{{subject}}", "body": "{{body}}"},
        headers=None,
        cookies=None,
    )
    block_id = await block.asave(ALERT_BLOCK, overwrite=True)
    await _delete_automation(FAILED_RUN_AUTOMATION)
    automation = Automation(
        name=FAILED_RUN_AUTOMATION,
        description="Notify the personalize-alerts block when a pipeline run fails.",
        trigger=failed_run_trigger(),
        actions=[SendNotification(block_document_id=block_id, subject=SUBJECT, body=BODY)],
    )
    return await automation.acreate()


async def disable_notifications() -> None:
    """Remove the automation and the webhook block (nothing happens if they do not exist)."""
    await _delete_automation(FAILED_RUN_AUTOMATION)
    with contextlib.suppress(ObjectNotFound):
        await CustomWebhookNotificationBlock.adelete(ALERT_BLOCK)


async def _delete_automation(name: str) -> None:
    try:
        automation = await Automation.aread(name=name)
    except ValueError:
        return
    await automation.adelete()


def main(argv: list[str] | None = None) -> int:
    """Entry point: ``enable URL`` or ``disable``."""
    parser = command_parser("python -m deployments.notifications", __doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("enable", help="notify URL of failed runs").add_argument("url")
    commands.add_parser("disable", help="stop notifying")
    args = parser.parse_args(argv)
    if args.command == "enable":
        asyncio.run(enable_notifications(args.url))
        print(f"Failed pipeline runs now notify {args.url} (block {ALERT_BLOCK!r}).")
    else:
        asyncio.run(disable_notifications())
        print("Notifications of failed pipeline runs are off.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
