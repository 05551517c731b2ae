"""``make env`` on a stack started on other ports than the defaults (issue 23): every address
comes from the running stack, and the shell finds the project's ``prefect``."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from local.stack import LocalStack, StackSettings, shell_exports

pytestmark = pytest.mark.slow


def test_env_reads_every_port_from_the_running_stack(stack: LocalStack) -> None:
    # `make env` without the ports `make up` was given: the defaults (4200, 8599, 8598).
    asked = LocalStack(StackSettings(state_dir=stack.settings.state_dir))
    assert asked.api_url != stack.api_url, "the session's stack runs on other ports"
    script = shell_exports(asked) + '\necho "$PREFECT_API_URL"\ncommand -v prefect\n'
    shown = subprocess.run(
        ["bash", "-c", script], capture_output=True, text=True, check=True, env={"PATH": "/bin"}
    ).stdout.splitlines()
    assert shown[0] == stack.api_url
    assert Path(shown[1]) == Path(sys.executable).parent / "prefect"
    endpoint = stack.client_env()["AWS_ENDPOINT_URL_PERSONALIZE"]
    assert f"export AWS_ENDPOINT_URL_PERSONALIZE={endpoint}" in shell_exports(asked)
