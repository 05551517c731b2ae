"""Background processes with log and PID files, stopped from another process's view."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from local.daemons import Daemon, DaemonError


def _sleeper(
    tmp_path: Path, code: str = "import time; print('ready', flush=True); time.sleep(60)"
) -> Daemon:
    return Daemon("sleeper", [sys.executable, "-c", code], tmp_path)


def test_start_writes_pid_and_log_and_stop_ends_it(tmp_path: Path) -> None:
    daemon = _sleeper(tmp_path)
    pid = daemon.start()
    try:
        assert json.loads(daemon.pid_path.read_text())["pid"] == pid
        daemon.wait_until(lambda: "ready" in daemon.log_tail(), 30, "printing ready")
        assert daemon.start() == pid, "a second start must not start a second process"
    finally:
        assert daemon.stop()
    assert daemon.pid() is None
    assert not daemon.pid_path.exists()
    assert not daemon.stop(), "stopping what is not running reports False"


def test_stale_pid_file_is_ignored(tmp_path: Path) -> None:
    daemon = _sleeper(tmp_path, "pass")
    pid = daemon.start()
    daemon.pid_path.write_text(json.dumps({"pid": pid, "command": daemon.command}))
    with pytest.raises(DaemonError, match="exited before"):
        daemon.wait_until(lambda: False, 30, "ready")
    assert daemon.pid() is None
    assert not daemon.pid_path.exists()


def test_wait_until_reports_the_log_when_the_process_dies(tmp_path: Path) -> None:
    daemon = _sleeper(tmp_path, "import sys; print('bad flag --nope'); sys.exit(2)")
    daemon.start()
    with pytest.raises(DaemonError, match="bad flag --nope"):
        daemon.wait_until(lambda: False, 30, "serving")
