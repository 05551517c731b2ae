"""The local stack: ``make up`` / ``make down`` (``python -m local.stack up|down|status``).

``up`` starts, each in the background with its log under ``.local/logs/`` and PID under
``.local/pids/``:

1. a Prefect server with its UI on loopback (state in ``.local/prefect/``),
2. the local Personalize service and its S3 (state in ``.local/personalize/``), with the
   demo's sample data seeded where ``config/demo.yaml`` reads it,
3. then creates the ``personalize`` process work pool with the service's ``AWS_ENDPOINT_URL_*``
   variables as the runs' default environment and runs ``prefect deploy --all``,
4. and a process worker on that pool (its runs get the pool's environment). The local
   service's dummy credentials are the worker's own environment, as a role would be on AWS,
   never job variables (those are plain text in the UI).

Processes already running are left as they are (``up`` says so when one runs with other
options than asked, e.g. another ``--latency``), and the sample data, the pool and the
deployments are brought up to date, so ``up`` is safe to repeat; ``down`` stops what ``up``
started, in reverse order; ``env`` prints the shell exports that point boto3 and the Prefect
CLI at the running stack (``eval "$(make env)"``). Ports: ``--prefect-port`` (4200),
``--personalize-port`` (8599), ``--s3-port`` (8598); ``--latency 0.01`` runs Personalize jobs
at 1% of real durations; ``--account-id`` sets the stack's one AWS account.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from deployments.deploy import prefect_command
from deployments.work_pool import WORK_POOL
from local import postgres as pg
from local.daemons import Daemon, option_changes, options_of
from local.demo_data import seed_demo_data
from local.sample_data import SampleSize
from tasks.command_line import command_parser

WORKER_NAME = "local-process-worker"
CREDENTIALS = ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY")
PROJECT_DIR = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class StackSettings:
    """Where the stack keeps its state and which loopback ports it uses."""

    project_dir: Path = PROJECT_DIR
    state_dir: Path = PROJECT_DIR / ".local"
    host: str = "127.0.0.1"
    prefect_port: int = 4200
    personalize_port: int = 8599
    s3_port: int = 8598
    latency: str = "instant"
    account_id: str | None = None
    """The account of the local service's ARNs and of its S3, IAM and STS (None: the
    service's default, ``000000000000``)."""
    database: str = "sqlite"
    """The Prefect server's database: ``sqlite`` or ``postgres`` (:mod:`local.postgres`)."""
    postgres_port: int = 8597
    prefect_settings: dict[str, str] = field(default_factory=dict)
    """Extra ``PREFECT_*`` settings for the server, the worker and the deploy step."""
    demo_config: Path = PROJECT_DIR / "config" / "demo.yaml"
    """The configuration whose raw data ``up`` seeds into the local S3."""
    sample_size: SampleSize = field(default_factory=SampleSize)


class LocalStack:
    """The processes of the local stack, started and stopped through their PID files."""

    def __init__(self, settings: StackSettings) -> None:
        self.settings = settings

    @property
    def api_url(self) -> str:
        """The Prefect API (``PREFECT_API_URL``)."""
        return f"http://{self.settings.host}:{self.settings.prefect_port}/api"

    @property
    def ui_url(self) -> str:
        """The Prefect UI."""
        return f"http://{self.settings.host}:{self.settings.prefect_port}"

    @property
    def client_env_path(self) -> Path:
        """The local service's client variables (JSON), written when it is ready."""
        return self.settings.state_dir / "personalize" / "client-env.json"

    def prefect_env(self) -> dict[str, str]:
        """The Prefect settings every process of the stack shares."""
        return {
            "PREFECT_HOME": str(self.settings.state_dir / "prefect"),
            "PREFECT_API_URL": self.api_url,
            "PREFECT_UI_URL": self.ui_url,
            "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
            "PREFECT_WORKER_QUERY_SECONDS": "2",
            # Name the statement in the server's log when SQLite answers "database is locked"
            # (the API then answers 503, which the UI does not retry).
            "PREFECT_SERVER_LOG_RETRYABLE_ERRORS": "true",
            **self._database_env(),
            **self.settings.prefect_settings,
        }

    def _database_env(self) -> dict[str, str]:
        if self.settings.database != "postgres":
            return {}
        url = pg.connection_url(self.settings.host, self.settings.postgres_port)
        return {"PREFECT_API_DATABASE_CONNECTION_URL": url}

    def postgres(self) -> Daemon:
        """The PostgreSQL server the Prefect server uses with ``database="postgres"``."""
        data = self.settings.state_dir / "postgres" / "data"
        command = pg.server_command(data, self.settings.host, self.settings.postgres_port)
        return self._daemon("postgres", command, {})

    def client_env(self) -> dict[str, str]:
        """The variables boto3 and s3fs need to reach the local service and its S3."""
        return dict(json.loads(self.client_env_path.read_text()))

    def server(self) -> Daemon:
        """The Prefect server and UI."""
        command = prefect_command(
            "server", "start", "--host", self.settings.host,
            "--port", str(self.settings.prefect_port),
        )  # fmt: skip
        return self._daemon("prefect-server", command, self.prefect_env())

    def personalize(self) -> Daemon:
        """The local Personalize service and its loopback S3."""
        command = [
            sys.executable, "-m", "personalize_local", "serve",
            "--host", self.settings.host,
            "--port", str(self.settings.personalize_port),
            "--s3-port", str(self.settings.s3_port),
            "--data-dir", str(self.settings.state_dir / "personalize"),
            "--latency", self.settings.latency,
            "--env-file", str(self.client_env_path),
        ]  # fmt: skip
        if self.settings.account_id:
            command += ["--account-id", self.settings.account_id]
        return self._daemon("personalize-local", command, {})

    def worker(self) -> Daemon:
        """A process worker on the pipeline's work pool, with the local service's credentials."""
        command = prefect_command(
            "worker", "start", "--pool", WORK_POOL, "--type", "process", "--name", WORKER_NAME
        )
        env = self.prefect_env()
        if self.client_env_path.exists():
            env |= {k: v for k, v in self.client_env().items() if k in CREDENTIALS}
        return self._daemon("prefect-worker", command, env)

    @property
    def pool_env_path(self) -> Path:
        """The local service's variables without credentials: the pool's run environment."""
        return self.settings.state_dir / "personalize" / "pool-env.json"

    def _daemon(self, name: str, command: list[str], env: dict[str, str]) -> Daemon:
        return Daemon(name, command, self.settings.state_dir, env, self.settings.project_dir)

    def differences(self) -> list[str]:
        """For each part running with other options than these settings, what differs."""
        notices = []
        for daemon in (self.server(), self.personalize(), self.worker()):
            running = daemon.running_command()
            changed = option_changes(running, daemon.command) if running else []
            if changed:
                notices.append(
                    f"{daemon.name} is already running with {', '.join(changed)}; it was left "
                    "as it is. To apply the new settings: make down, then make up again."
                )
        return notices

    def up(self, timeout: float = 180.0) -> list[str]:
        """Start what is not running yet, deploy, and wait until each part answers; return
        what was asked but not applied because a part was running already."""
        notices = self.differences()
        server, personalize = self.server(), self.personalize()
        if personalize.pid() is None:
            self.client_env_path.unlink(missing_ok=True)
        if self.settings.database == "postgres":
            self._start_postgres(timeout)
        server.start()  # the server and the service start side by side
        personalize.start()
        personalize.wait_until(self._personalize_healthy, timeout, "serving Personalize")
        seed_demo_data(self.settings.demo_config, self.client_env(), self.settings.sample_size)
        server.wait_until(self._server_healthy, timeout, "serving the Prefect API")
        self.deploy()
        worker = self.worker()
        worker.start()
        worker.wait_until(self._worker_online, timeout, "polling the work pool")
        return notices

    def _start_postgres(self, timeout: float) -> None:
        """Make the cluster once, start the server, create the database once."""
        host, port = self.settings.host, self.settings.postgres_port
        pg.init_cluster(self.settings.state_dir / "postgres" / "data")
        daemon = self.postgres()
        daemon.start()
        daemon.wait_until(lambda: pg.accepts(host, port), timeout, "accepting connections")
        pg.ensure_database(host, port)

    def deploy(self) -> str:
        """Create the work pool (runs get the local service's endpoints) and every deployment."""
        public = {k: v for k, v in self.client_env().items() if k not in CREDENTIALS}
        self.pool_env_path.write_text(json.dumps(public, indent=2))
        result = subprocess.run(
            [sys.executable, "-m", "deployments.deploy", "--env-file", str(self.pool_env_path)],
            cwd=self.settings.project_dir,
            env={**os.environ, **self.prefect_env()},
            capture_output=True,
            text=True,
            check=False,
        )
        log = self.settings.state_dir / "logs" / "deploy.log"
        log.parent.mkdir(parents=True, exist_ok=True)
        log.write_text(result.stdout + result.stderr)
        if result.returncode != 0:
            raise RuntimeError(f"deploying failed (see {log}):\n{result.stdout}\n{result.stderr}")
        return result.stdout

    def down(self) -> list[str]:
        """Stop the worker, the local service and the server; return the names stopped."""
        parts = [self.worker, self.personalize, self.server, self.postgres]
        return [daemon.name for part in parts if (daemon := part()).stop()]

    def status(self) -> dict[str, int | None]:
        """Each part's PID, or None when it is not running."""
        parts = [self.server(), self.personalize(), self.worker()]
        if self.settings.database == "postgres":
            parts.insert(0, self.postgres())
        return {d.name: d.pid() for d in parts}

    def _server_healthy(self) -> bool:
        return _answers(f"{self.api_url}/health")

    def _personalize_healthy(self) -> bool:
        if not self.client_env_path.exists():
            return False
        endpoint = self.client_env()["AWS_ENDPOINT_URL_PERSONALIZE"]
        return _answers(f"{endpoint}/_emulator/health")

    def _worker_online(self) -> bool:
        try:
            response = httpx.post(f"{self.api_url}/work_pools/{WORK_POOL}/workers/filter", json={})
        except httpx.HTTPError:
            return False
        return response.status_code == 200 and any(
            w["name"] == WORKER_NAME and w["status"] == "ONLINE" for w in response.json()
        )


def shell_exports(stack: LocalStack) -> str:
    """``export NAME='value'`` lines that point a shell at the running stack (``eval "$(make
    env)"``), every address read from what runs (whatever ports ``env`` was given), and the
    project's virtual environment first on ``PATH`` (for a bare ``prefect``)."""
    server = stack.server()
    options = options_of(server.running_command() or server.command)
    api_url = f"http://{options['--host']}:{options['--port']}/api"
    env = {**stack.client_env(), "PREFECT_API_URL": api_url}
    lines = [f"export {name}={shlex.quote(value)}" for name, value in env.items()]
    lines.append(f'export PATH={shlex.quote(str(Path(sys.executable).parent))}:"$PATH"')
    return "\n".join(lines)


def _answers(url: str) -> bool:
    try:
        return httpx.get(url, timeout=2.0).status_code == 200
    except httpx.HTTPError:
        return False


def _parser() -> argparse.ArgumentParser:
    parser = command_parser("python -m local.stack", __doc__)
    parser.add_argument(
        "command",
        choices=["up", "down", "status", "env"],
        help="up: start or update the stack; down: stop it; status: what runs; env: the shell "
        "exports for the running stack",
    )
    parser.add_argument(
        "--prefect-port",
        type=int,
        default=StackSettings.prefect_port,
        help="port of the Prefect server and its UI",
    )
    parser.add_argument(
        "--personalize-port",
        type=int,
        default=StackSettings.personalize_port,
        help="port of the local Personalize service",
    )
    parser.add_argument(
        "--s3-port", type=int, default=StackSettings.s3_port, help="port of the local S3"
    )
    parser.add_argument(
        "--latency", default=StackSettings.latency, help="'instant' or a scale such as 0.01"
    )
    parser.add_argument(
        "--account-id",
        help="the AWS account (twelve digits) of the local service's ARNs, S3, IAM and STS "
        "(default: the service's, 000000000000)",
    )
    parser.add_argument(
        "--database",
        choices=["sqlite", "postgres"],
        default=StackSettings.database,
        help="the Prefect server's database: SQLite (a file) or a local PostgreSQL server "
        "(Debian's postgresql package; make postgres installs it)",
    )
    parser.add_argument(
        "--postgres-port",
        type=int,
        default=StackSettings.postgres_port,
        help="port of the local PostgreSQL server (with --database postgres)",
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``make up`` / ``make down``."""
    args = _parser().parse_args(argv)
    stack = LocalStack(
        StackSettings(
            prefect_port=args.prefect_port,
            personalize_port=args.personalize_port,
            s3_port=args.s3_port,
            latency=args.latency,
            account_id=args.account_id,
            database=args.database,
            postgres_port=args.postgres_port,
        )
    )
    if args.command == "up":
        for notice in stack.up():
            print(f"Note: {notice}", file=sys.stderr)
        print(f"Prefect UI:          {stack.ui_url}  (deployments: {stack.ui_url}/deployments)")
        print(f"Prefect API:         export PREFECT_API_URL={stack.api_url}")
        print(f"Personalize + S3:    {stack.client_env_path}")
        print('This shell:          eval "$(make env)"  (the variables boto3 and prefect need)')
        print(f"Logs and PIDs:       {stack.settings.state_dir}/logs, .../pids;  stop: make down")
    elif args.command == "env":
        if stack.personalize().pid() is None or not stack.client_env_path.exists():
            print("The local stack is not running: start it with make up.", file=sys.stderr)
            return 1
        print(shell_exports(stack))
    elif args.command == "down":
        stopped = stack.down()
        print(f"Stopped: {', '.join(stopped)}" if stopped else "Nothing was running.")
    else:
        for name, pid in stack.status().items():
            print(f"{name:20} {'running, pid ' + str(pid) if pid else 'stopped'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
