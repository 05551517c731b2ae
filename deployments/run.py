"""Start a deployment's run (or follow one already started) and show its logs until it ends.

python -m deployments.run retrain/weekly --param batch=false
python -m deployments.run --id RUN_ID

Prints each log line of the run (not Prefect's task-run events) as it arrives, then the run's
final state and message, e.g. "retrain/weekly: Completed (...)". Exit status: 0 when the run
completed, 1 when it ended otherwise (failed, crashed, cancelled) or did not end within
--timeout seconds. Uses the Prefect API of PREFECT_API_URL (eval "$(make env)" on the stack).
"""

from __future__ import annotations

import json
import sys
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from prefect.client.orchestration import SyncPrefectClient, get_client
from prefect.client.schemas.filters import LogFilter, LogFilterFlowRunId, LogFilterTimestamp
from prefect.client.schemas.objects import FlowRun, Log
from prefect.client.schemas.sorting import LogSort

from tasks.command_line import command_parser

PAGE = 200
LATE = timedelta(seconds=30)
"""How far back each poll looks again: a worker sends its logs in batches, some late."""


def parameters_of(pairs: list[str]) -> dict[str, Any]:
    """``key=value`` pairs as run parameters; a value that is JSON is read as JSON."""
    parameters: dict[str, Any] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise SystemExit(f"--param {pair!r}: give it as key=value, e.g. batch=false")
        try:
            parameters[key] = json.loads(value)
        except ValueError:
            parameters[key] = value
    return parameters


@dataclass
class Printed:
    """The logs of a run printed so far: their ids, and the newest one's time."""

    ids: set[UUID] = field(default_factory=set)
    newest: datetime | None = None


def new_logs(client: SyncPrefectClient, run_id: UUID, printed: Printed) -> list[Log]:
    """The run's logs not printed yet, oldest first (marked printed)."""
    since = (
        LogFilterTimestamp.model_validate({"after_": printed.newest - LATE})
        if printed.newest
        else None
    )
    wanted = LogFilter(flow_run_id=LogFilterFlowRunId(any_=[run_id]), timestamp=since)
    found: list[Log] = []
    while page := client.read_logs(
        wanted, limit=PAGE, offset=len(found), sort=LogSort.TIMESTAMP_ASC
    ):
        found += page
        if len(page) < PAGE:
            break
    fresh = [log for log in found if log.id not in printed.ids]
    printed.ids.update(log.id for log in fresh)
    if fresh:
        printed.newest = max(printed.newest or fresh[-1].timestamp, fresh[-1].timestamp)
    return fresh


def line(log: Log) -> str:
    """One log as the console shows it: time, level, message."""
    level = {10: "DEBUG", 20: "INFO", 30: "WARNING", 40: "ERROR", 50: "CRITICAL"}.get(
        log.level, str(log.level)
    )
    stamp = datetime.fromisoformat(str(log.timestamp)).strftime("%H:%M:%S")
    return f"{stamp} {level:<7} {log.message}"


def follow(client: SyncPrefectClient, run: FlowRun, timeout: float, poll: float = 2.0) -> FlowRun:
    """Print the run's logs until it reaches a final state (or ``timeout``); the run."""
    printed = Printed()
    deadline = time.monotonic() + timeout
    while True:
        run = client.read_flow_run(run.id)
        final = run.state is not None and run.state.is_final()
        for log in new_logs(client, run.id, printed):
            print(line(log), flush=True)
        if final or time.monotonic() > deadline:
            if final:  # logs sent as the run ended
                time.sleep(poll)
                for log in new_logs(client, run.id, printed):
                    print(line(log), flush=True)
            return run
        time.sleep(poll)


def main(argv: list[str] | None = None) -> int:
    """Start or follow a run; the exit status (0: completed)."""
    parser = command_parser("python -m deployments.run", __doc__)
    parser.add_argument("deployment", nargs="?", help="flow/deployment, e.g. retrain/weekly")
    parser.add_argument("--id", help="follow this run instead of starting one")
    parser.add_argument(
        "--param", action="append", default=[], metavar="KEY=VALUE", help="a run parameter"
    )
    parser.add_argument("--timeout", type=float, default=3600.0, help="seconds to follow")
    args = parser.parse_args(argv)
    if bool(args.deployment) == bool(args.id):
        parser.error("give a deployment to run, or --id of a run to follow")
    with get_client(sync_client=True) as client:
        if args.id:
            run = client.read_flow_run(UUID(args.id))
        else:
            deployment = client.read_deployment_by_name(args.deployment)
            run = client.create_flow_run_from_deployment(
                deployment.id, parameters=parameters_of(args.param)
            )
            print(f"Started {args.deployment} run {run.name} ({run.id})", flush=True)
        run = follow(client, run, args.timeout)
    name = args.deployment or run.name
    if run.state is None or not run.state.is_final():
        print(f"{name}: still {run.state_name} after {args.timeout:.0f} s", file=sys.stderr)
        return 1
    message = f" ({run.state.message})" if run.state.message else ""
    print(f"{name}: {run.state.name}{message}", flush=True)
    return 0 if run.state.is_completed() else 1


if __name__ == "__main__":
    sys.exit(main())
