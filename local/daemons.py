"""Background processes that outlive the command that started them, with log and PID files.

``make up`` starts the Prefect server, the local Personalize service and a worker this way and
exits; ``make down`` (a different process) stops them again from their PID files.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import os
import signal
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path


class DaemonError(RuntimeError):
    """A background process exited early or did not become ready in time."""


@dataclass(frozen=True)
class Daemon:
    """One named background process: ``<state_dir>/logs/<name>.log``, ``<state_dir>/pids/<name>.pid``."""

    name: str
    command: list[str]
    state_dir: Path
    env: dict[str, str] = field(default_factory=dict)
    cwd: Path | None = None

    @property
    def log_path(self) -> Path:
        """Where the process's stdout and stderr go."""
        return self.state_dir / "logs" / f"{self.name}.log"

    @property
    def pid_path(self) -> Path:
        """Where its PID (and command, for a reader) is kept while it runs."""
        return self.state_dir / "pids" / f"{self.name}.pid"

    def pid(self) -> int | None:
        """The PID of the running process, or None (a stale PID file is removed)."""
        try:
            pid = int(json.loads(self.pid_path.read_text())["pid"])
        except (FileNotFoundError, ValueError, KeyError):
            return None
        if _alive(pid):
            return pid
        self.pid_path.unlink(missing_ok=True)
        return None

    def running_command(self) -> list[str] | None:
        """The command the running process was started with, or None when it is not running."""
        if self.pid() is None:
            return None
        try:
            return list(json.loads(self.pid_path.read_text())["command"])
        except (FileNotFoundError, ValueError, KeyError):
            return None

    def start(self) -> int:
        """Start the process in its own session (so a terminal's Ctrl-C does not reach it)."""
        if (pid := self.pid()) is not None:
            return pid
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        self.pid_path.parent.mkdir(parents=True, exist_ok=True)
        with self.log_path.open("ab") as log:
            process = subprocess.Popen(
                self.command,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                env={**os.environ, **self.env},
                cwd=self.cwd,
                start_new_session=True,
            )
        self.pid_path.write_text(json.dumps({"pid": process.pid, "command": self.command}))
        return process.pid

    def wait_until(self, ready: Callable[[], bool], timeout: float, what: str) -> None:
        """Poll ``ready`` until it holds; raise with the log's tail if the process dies first."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.pid() is None:
                raise DaemonError(f"{self.name} exited before {what}:\n{self.log_tail()}")
            if ready():
                return
            time.sleep(0.2)
        raise DaemonError(f"{self.name}: not {what} after {timeout:.0f} s:\n{self.log_tail()}")

    def stop(self, timeout: float = 20.0) -> bool:
        """Stop the process and its children (SIGTERM, then SIGKILL); False if it was not running."""
        pid = self.pid()
        if pid is None:
            return False
        _signal_group(pid, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        while _alive(pid) and time.monotonic() < deadline:
            time.sleep(0.1)
        if _alive(pid):
            _signal_group(pid, signal.SIGKILL)
        self.pid_path.unlink(missing_ok=True)
        return True

    def log_tail(self, lines: int = 40) -> str:
        """The last lines the process printed."""
        if not self.log_path.exists():
            return "(no output)"
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])


def _alive(pid: int) -> bool:
    """Whether the process exists and is not a zombie (reaped if it is our own child)."""
    try:
        done, _ = os.waitpid(pid, os.WNOHANG)
        if done == pid:
            return False
    except ChildProcessError:
        pass  # not our child: its parent (init, after ``make up`` exits) reaps it
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _signal_group(pid: int, signum: int) -> None:
    """Signal the process group the daemon leads (it and the processes it started)."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pid, signum)


def option_changes(running: list[str], wanted: list[str]) -> list[str]:
    """``--option value`` pairs of ``running`` that ``wanted`` sets otherwise, as
    ``--latency instant (asked: 0.01)``."""
    have, want = options_of(running), options_of(wanted)
    return [
        f"{name} {have.get(name, '(unset)')} (asked: {value})"
        for name, value in want.items()
        if have.get(name) != value
    ]


def options_of(command: list[str]) -> dict[str, str]:
    """The ``--option value`` pairs of a command line."""
    return {
        arg: value
        for arg, value in itertools.pairwise(command)
        if arg.startswith("--") and not value.startswith("--")
    }
