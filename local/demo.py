"""``make demo``: the whole pipeline on a laptop, against the local Personalize service.

Starts the local Personalize service and its S3, writes realistic sample exports (events with
types and timestamps, a catalogue with categories), then runs the real flows in Prefect:
``provision``; a first ``retrain`` that deploys the campaign; a second one on newer data that
the gate compares with the version serving, both recommending for the same held-out users'
last week (the paired comparison); a third on an export broken by a tracking bug, which the
gate stops (nothing in it is newer than the serving version's data, so that version's own
holdout is compared again: in the broken export those users' last week names random items, the
interval is wide and non-inferiority cannot be shown; the floor on precision fails too); and
``batch_inference`` for the users active last week. It ends with a
short summary: metrics, the paired comparison, the gate's table, the campaign, sample
recommendations, where the batch output is, and how to see the runs in the Prefect UI.

Flows run against Prefect's ephemeral API, on a database of the demo's own (``.demo/prefect/``,
so that neither ``make up``'s nor another checkout's runs or locks meet them), unless
``PREFECT_API_URL`` points at a server. ``make demo-ui`` shows the demo's runs in the Prefect UI
on port 4280 (``make up``'s is on 4200).
"""

from __future__ import annotations

import os
import sys

# The demo's runs, artifacts and locks in a Prefect database of its own (make demo-ui shows it).
os.environ.setdefault(
    "PREFECT_HOME",
    os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), ".demo", "prefect"),
)
# Keep the console to the summary (every log line still reaches the Prefect API and its UI).
os.environ.setdefault("PREFECT_LOGGING_HANDLERS_CONSOLE_LEVEL", "WARNING")
# Tasks the demo calls outside a flow (granting S3 access) log to the console only.
os.environ.setdefault("PREFECT_LOGGING_TO_API_WHEN_MISSING_FLOW", "ignore")
os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "180")
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")

from tasks.command_line import command_parser

DEMO_UI_PORT = 4280
"""Where ``make demo-ui`` serves the demo's runs (``make up``'s UI is on 4200)."""


def main(argv: list[str] | None = None) -> None:
    """Run the demo (``--help`` says what it does, at once, and runs nothing)."""
    command_parser("python -m local.demo", __doc__).parse_args(argv)
    # Prefect makes only the last level of its home: on a fresh clone .demo/ is not there yet.
    os.makedirs(os.environ["PREFECT_HOME"], exist_ok=True)
    from local.demo_run import run_demo  # Prefect and the flows: after the environment above

    run_demo(DEMO_UI_PORT)


if __name__ == "__main__":
    main(sys.argv[1:])
