"""Create the work pool and every deployment in ``prefect.yaml``: ``python -m deployments.deploy``.

Run it from the project directory with ``PREFECT_API_URL`` pointing at your Prefect server.
``--env-file`` (a JSON object, e.g. the local service's ``client-env.json``) puts variables into
the pool's default run environment; leave it out against real AWS. ``--alert-webhook`` turns on
notifications of failed runs and failed gates (see ``deployments/notifications.py``).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
from pathlib import Path

from deployments.work_pool import WORK_POOL, ensure_work_pool


def prefect_command(*args: str) -> list[str]:
    """The ``prefect`` CLI of this interpreter's environment."""
    return [sys.executable, "-m", "prefect", *args]


def deploy_all(
    project_dir: Path, env: dict[str, str] | None = None, extra_args: tuple[str, ...] = ()
) -> str:
    """``prefect deploy --all`` in ``project_dir``, without prompts; returns its output."""
    result = subprocess.run(
        prefect_command("deploy", "--all", "--no-prompt", *extra_args),
        cwd=project_dir,
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(f"prefect deploy --all failed:\n{result.stdout}\n{result.stderr}")
    return result.stdout


def main(argv: list[str] | None = None) -> int:
    """Entry point: ensure the pool (and alerts, if asked), then deploy everything."""
    parser = argparse.ArgumentParser(prog="python -m deployments.deploy", description=__doc__)
    parser.add_argument(
        "--env-file", type=Path, help="JSON object of variables for the pool's run environment"
    )
    parser.add_argument(
        "--alert-webhook",
        default=os.environ.get("PERSONALIZE_ALERT_WEBHOOK_URL"),
        help="URL to POST failed runs and failed gates to (default $PERSONALIZE_ALERT_WEBHOOK_URL;"
        " notifications are off when unset)",
    )
    args = parser.parse_args(argv)
    env = json.loads(args.env_file.read_text()) if args.env_file else {}
    asyncio.run(ensure_work_pool(WORK_POOL, env))
    print(f"Work pool {WORK_POOL!r} ready (process).")
    print(deploy_all(Path.cwd()))
    if args.alert_webhook:
        from deployments.notifications import enable_notifications

        asyncio.run(enable_notifications(args.alert_webhook))
        print(f"Notifications of failed runs go to {args.alert_webhook}.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
