"""Every command line's ``--help`` (issue 23): it runs nothing, shows its docstring without
reStructuredText markup and with its numbered lists, and says each option's default."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tasks.command_line import help_text

ROOT = Path(__file__).resolve().parents[2]


def help_of(*command: str) -> str:
    """What ``python -m <command> --help`` prints; it must end at once, successfully."""
    shown = subprocess.run(
        [sys.executable, "-m", *command, "--help"],
        cwd=ROOT, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert shown.returncode == 0, shown.stderr
    return shown.stdout


def test_the_demo_help_runs_nothing() -> None:
    shown = help_of("local.demo")
    assert shown.startswith("usage: python -m local.demo")
    assert "==>" not in shown, "the demo started"
    assert "make demo: the whole pipeline" in shown and "``" not in shown


@pytest.mark.parametrize(
    "command", [("local.stack",), ("flows.provision",), ("deployments.to_pool",)]
)
def test_help_texts_show_no_markup_and_keep_numbered_lists(command: tuple[str, ...]) -> None:
    shown = help_of(*command)
    assert "``" not in shown and ":func:" not in shown
    if command == ("local.stack",):
        assert "\n1. a Prefect server with its UI on loopback" in shown
        assert "port of the Prefect server and its UI (default: 4200)" in shown
        assert "port of the local Personalize service (default: 8599)" in shown


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
