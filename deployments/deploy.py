"""Create the work pool and every deployment in ``prefect.yaml``: ``python -m deployments.deploy``.

Run it from the project directory with ``PREFECT_API_URL`` pointing at your Prefect server.
``--env-file`` (a JSON object, e.g. the local service's endpoint variables) puts variables into
the pool's default run environment; leave it out against real AWS. Job variables are stored in
plain text and shown in the UI, so a file carrying a secret (``AWS_SECRET_ACCESS_KEY``, a
session token, a password) is refused: runs get credentials from the worker (its IAM role or
profile) or from a prefect-aws ``AwsCredentials`` block named in the configuration
(``aws.credentials_block``). ``--alert-webhook`` turns on notifications of failed runs and
failed gates (see ``deployments/notifications.py``). Runs send heartbeats, and crashed retrains
rerun by themselves (``deployments/crash_recovery.py``).
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import subprocess
import sys
from pathlib import Path

from deployments.crash_recovery import enable_crash_recovery, heartbeat_env
from deployments.work_pool import WORK_POOL, ensure_work_pool
from tasks.command_line import command_parser

SECRET_NAME = re.compile(r"SECRET|TOKEN|PASSWORD|PRIVATE_KEY|CREDENTIAL", re.IGNORECASE)


class SecretInEnvFile(ValueError):
    """An env file for the pool's job variables carries a secret."""


def pool_env(path: Path) -> dict[str, str]:
    """The variables of an ``--env-file``; :class:`SecretInEnvFile` if one looks like a secret."""
    env = json.loads(path.read_text())
    secrets = sorted(name for name in env if SECRET_NAME.search(name))
    if secrets:
        raise SecretInEnvFile(
            f"{path} carries {', '.join(secrets)}: the work pool's job variables are stored in "
            "plain text and shown in the UI, so they must not hold secrets. Remove them from the "
            "file; give the worker its credentials instead (its IAM role or an AWS profile in "
            "its environment), or save a prefect-aws AwsCredentials block and name it in the "
            "configuration as aws.credentials_block."
        )
    return {str(name): str(value) for name, value in env.items()}


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
    parser = command_parser("python -m deployments.deploy", __doc__, show_defaults=False)
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
    try:
        env = pool_env(args.env_file) if args.env_file else {}
    except SecretInEnvFile as refused:
        print(refused, file=sys.stderr)
        return 2
    asyncio.run(ensure_work_pool(WORK_POOL, {**heartbeat_env(), **env}))
    print(f"Work pool {WORK_POOL!r} ready (process).")
    print(deploy_all(Path.cwd()))
    for automation in asyncio.run(enable_crash_recovery()):
        print(f"Automation {automation.name!r} ready.")
    if args.alert_webhook:
        from deployments.notifications import enable_notifications

        asyncio.run(enable_notifications(args.alert_webhook))
        print(f"Notifications of failed runs go to {args.alert_webhook}.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
