"""Background processes with log and PID files, stopped from another process's view."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from local.daemons import Daemon, DaemonError, option_changes, options_of


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


def test_a_running_stack_says_which_asked_option_it_did_not_apply(tmp_path: Path) -> None:
    # Issue 16: `make up LATENCY=0.01` on a running stack silently kept the old latency.
    from local.stack import LocalStack, StackSettings

    running = LocalStack(StackSettings(state_dir=tmp_path, latency="instant"))
    sleeper = "import time, sys; time.sleep(60)"
    service = running.personalize()
    stand_in = Daemon(service.name, [sys.executable, "-c", sleeper, *service.command[1:]], tmp_path)
    stand_in.start()  # stands in for the service: same name, same options
    try:
        assert running.differences() == []
        asked = LocalStack(StackSettings(state_dir=tmp_path, latency="0.01"))
        (notice,) = asked.differences()
    finally:
        stand_in.stop()
    assert notice.startswith("personalize-local is already running with --latency instant")
    assert "(asked: 0.01)" in notice and "make down" in notice


def test_option_changes_name_each_changed_option() -> None:
    running = ["serve", "--port", "8599", "--latency", "instant", "--verbose"]
    wanted = ["serve", "--port", "8600", "--latency", "instant", "--verbose"]
    assert option_changes(running, wanted) == ["--port 8599 (asked: 8600)"]


def test_the_stack_passes_its_account_to_the_local_service(tmp_path: Path) -> None:
    # `make up ACCOUNT_ID=...`: the one account of the stack (issue 28) reaches `serve`.
    from local.stack import LocalStack, StackSettings

    default = LocalStack(StackSettings(state_dir=tmp_path)).personalize().command
    assert "--account-id" not in default  # the service's own default, 000000000000
    chosen = LocalStack(StackSettings(state_dir=tmp_path, account_id="123456789012"))
    assert options_of(chosen.personalize().command)["--account-id"] == "123456789012"
