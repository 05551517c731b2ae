"""The demo's console and its Prefect database (issue 23's rough edges): no Prefect warning, the
gate's stop said once, tables that fit long names, runs a UI can show beside ``make up``'s."""

from __future__ import annotations

import os
import subprocess
import sys
from typing import Any

from local.demo import DEMO_UI_PORT
from local.demo_run import outcome_line, table
from personalize_local.process import LocalService
from tests.pipelines import ROOT

GRANT = """
import os, local.demo
os.makedirs(os.environ['PREFECT_HOME'], exist_ok=True)  # as local.demo.main does
import local.demo_run, boto3
from tasks.config import load_config
from tasks.s3_access import grant_personalize_access
config = load_config(local.demo_run.CONFIG)
boto3.client("s3").create_bucket(Bucket="{bucket}")
grant_personalize_access(config.aws, "{bucket}", config.role_arn)
from prefect.settings import get_current_settings
print(get_current_settings().home)
"""


def test_the_demo_grants_access_without_a_prefect_warning_in_its_own_home(
    local_service: LocalService, unique: str
) -> None:
    env = {**os.environ, **local_service.env}
    env.pop("PREFECT_HOME", None)
    env.pop("PREFECT_API_URL", None)
    shown = subprocess.run(
        [sys.executable, "-c", GRANT.format(bucket=f"demo-{unique}")],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, check=True,
    )  # fmt: skip
    assert "UserWarning" not in shown.stderr, shown.stderr
    home = ROOT / ".demo" / "prefect"
    assert shown.stdout.strip().splitlines()[-1] == str(home)
    made = subprocess.run(["make", "-n", "demo-ui"], cwd=ROOT, capture_output=True, text=True,
                          check=True).stdout  # fmt: skip
    assert f"PREFECT_HOME={home}" in made and f"--port {DEMO_UI_PORT}" in made
    assert DEMO_UI_PORT != 4200, "make up's UI"


def test_a_gate_stop_is_said_once() -> None:
    reasons = "precision_at_10 >= 0.0200 (0.0162 is below the floor 0.0200); " * 8
    line = outcome_line("Failed", f"stopped by the gate for s: {reasons}")
    assert line == "Failed: stopped by the gate for s (why: the gate's table below)"
    assert outcome_line("Completed", "retrained and promoted") == (
        "Completed: retrained and promoted"
    )


def test_tables_fit_long_names() -> None:
    rows: list[list[Any]] = [
        ["precision_at_10", "0.0404", "0.0424", "+0.0020", ">= 0.0200", "pass"],
        ["normalized_discounted_cumulative_gain_at_10 (holdout, baseline)", "0.1030",
         "0.3282", "+0.2252", "holdout: beats personalize-demo-popularity by >= 0.0%", "pass"],
    ]  # fmt: skip
    lines = table(["metric", "serving", "new", "change", "rule", "result"], rows, "lrrrll")
    starts = {
        line.index(word) for line, word in zip(lines, ["result", "pass", "pass"], strict=True)
    }
    assert len(starts) == 1, "\n".join(lines)
    ends = {
        line.index(word) + len(word)
        for line, word in zip(lines, ["new", "0.0424", "0.3282"], strict=True)
    }
    assert len(ends) == 1, "\n".join(lines)
