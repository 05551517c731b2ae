"""Every command line's ``--help`` (issue 23): it runs nothing, shows its docstring without
reStructuredText markup and with its numbered lists, and says each option's default."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from tasks.command_line import help_text

ROOT = Path(__file__).resolve().parents[2]


HELP_RUNNER = """
import contextlib, io, json, runpy, sys
shown = {}
for command in json.loads(sys.argv[1]):
    out, code = io.StringIO(), 0
    sys.argv = [command[0], *command[1:], "--help"]
    with contextlib.redirect_stdout(out):
        try:
            runpy.run_module(command[0], run_name="__main__", alter_sys=True)
        except SystemExit as stop:
            code = stop.code or 0
    shown[" ".join(command)] = {"code": code, "out": out.getvalue()}
print(json.dumps(shown))
"""
"""Runs ``python -m <command> --help`` for each command in one interpreter (what they import,
Prefect above all, is imported once): a command that ran instead of answering shows all the same,
in its output or in the time it takes."""


@cache
def helps(commands: tuple[tuple[str, ...], ...]) -> dict[str, dict[str, Any]]:
    """What ``--help`` prints for each of ``commands``, and its exit code, by command line."""
    shown = subprocess.run(
        [sys.executable, "-c", HELP_RUNNER, json.dumps(commands)],
        cwd=ROOT, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert shown.returncode == 0, shown.stderr
    answers: dict[str, dict[str, Any]] = json.loads(shown.stdout.splitlines()[-1])
    return answers


def help_of(*command: str) -> str:
    """What ``python -m <command> --help`` prints; it must end at once, successfully."""
    group = BENCHMARKS if command[0].startswith("benchmarks.") else COMMAND_LINES
    answer = helps(group)[" ".join(command)]
    assert answer["code"] == 0, answer["out"]
    return str(answer["out"])


def test_the_demo_help_runs_nothing() -> None:
    shown = help_of("local.demo")
    assert shown.startswith("usage: python -m local.demo")
    assert "==>" not in shown, "the demo started"
    assert "make demo: the whole pipeline" in shown and "``" not in shown


def test_the_stack_help_keeps_numbered_lists_and_explains_its_ports() -> None:
    shown = help_of("local.stack")
    assert "\n1. a Prefect server with its UI on loopback" in shown
    assert "port of the Prefect server and its UI (default: 4200)" in shown
    assert "port of the local Personalize service (default: 8599)" in shown


LOCAL = ROOT / "personalize-local"
COMMANDS = [(ROOT, "deployments"), (ROOT, "flows"), (ROOT, "local"), (ROOT, "tasks"),
            (LOCAL, "personalize_local")]  # fmt: skip


def command_modules(folders: list[tuple[Path, str]]) -> list[str]:
    """The modules under ``folders`` run as ``python -m``: a ``__main__`` guard or file."""
    found = set()
    for root, folder in folders:
        for path in (root / folder).rglob("*.py"):
            if path.name == "__main__.py" or 'if __name__ == "__main__":' in path.read_text():
                parts = path.relative_to(root).with_suffix("").parts
                found.add(".".join(parts[:-1] if parts[-1] == "__main__" else parts))
    return sorted(found)


COMMAND_LINES = (*((m,) for m in command_modules(COMMANDS)), ("personalize_local", "serve"))
BENCHMARKS = tuple((m,) for m in command_modules([(ROOT, "benchmarks")]))


@pytest.mark.parametrize("module", command_modules(COMMANDS))
def test_every_command_answers_help_without_running_and_explains_every_option(
    module: str,
) -> None:
    # Issue 23: `python -m local.demo --help` ran the demo; options showed no help.
    shown = help_of(module)
    assert shown.startswith("usage: "), f"{module} --help ran instead of answering:\n{shown}"
    assert ".py " not in shown.splitlines()[0], "the usage names a file, not the command"
    assert "``" not in shown and not re.search(r":[a-z]+:`", shown), "docstring markup"
    options = shown.split("options:")[-1]
    bare = re.findall(r"^  (-\S+(?:,? \S+)*)\n(?! {5,}\S)", options, re.M)
    assert not bare, f"{module}: options without help: {bare}"


@pytest.mark.slow  # fifteen benchmarks' imports, for commands run by hand
@pytest.mark.parametrize("module", [m for (m,) in BENCHMARKS])
def test_every_benchmark_answers_help_without_running(module: str) -> None:
    # docs/benchmarks.md: "run one with its make target or python -m benchmarks.NAME --help".
    shown = help_of(module)
    assert shown.startswith("usage: "), f"{module} --help ran instead of answering:\n{shown}"


def test_provision_help_says_a_plan_with_a_problem_exits_non_zero() -> None:
    shown = " ".join(help_of("flows.provision").split())
    assert "(with --plan) any row of the plan is a problem" in shown


def test_serve_shows_its_defaults() -> None:
    assert "``" not in help_of("personalize_local")
    shown = " ".join(help_of("personalize_local", "serve").split())
    assert "(default .local/personalize)" in shown
    assert "port of the loopback S3, 0 for any free one (default 0)" in shown


def test_help_text_drops_markup() -> None:
    assert help_text("Runs ``make up``; see :func:`~tasks.x.y` and :mod:`flows`.") == (
        "Runs make up; see tasks.x.y and flows."
    )
