"""provision: plan, create once, rerun changes nothing, drift shows in the plan and stops runs."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from flows.provision import cli, main, provision
from flows.retrain import retrain
from tasks.config import ConfigError
from tasks.errors import DriftError
from tests.artifacts import latest_artifacts, misread_cells
from tests.pipelines import ROOT, make_pipeline


def actions(result: dict[str, Any]) -> dict[tuple[str, str], str]:
    return {(row["kind"], row["name"]): row["action"] for row in result["plan"]}


@pytest.mark.slow
def test_plan_then_provision_then_nothing_to_do(
    prefect_api: None, local_service: Any, s3: Any, personalize: Any, tmp_path: Path, unique: str
) -> None:
    pipeline = make_pipeline(tmp_path, s3, unique)
    config = pipeline.config

    before = main([pipeline.config_path, "--plan"])
    assert set(actions(before).values()) == {"create"}
    assert ("dataset-group", f"dg-{unique}") in actions(before)
    groups = personalize.list_dataset_groups()["datasetGroups"]
    assert f"dg-{unique}" not in {g["name"] for g in groups}, "the plan changed nothing"

    created = provision(config_path=pipeline.config_path)
    assert set(created["datasets"]) == {"interactions", "items"}
    assert set(created["solutions"]) == {s.name for s in config.solutions}
    assert created["event_tracker"]

    again = provision(config_path=pipeline.config_path)
    assert again == created
    after = provision(config_path=pipeline.config_path, plan=True)
    assert set(actions(after).values()) == {"exists"}

    data = yaml.safe_load(pipeline.path.read_text())
    data["filters"][0]["expression"] = 'EXCLUDE ItemID WHERE Interactions.EVENT_TYPE IN ("click")'
    pipeline.path.write_text(yaml.safe_dump(data))
    drifted = provision(config_path=pipeline.config_path, plan=True)
    row = next(r for r in drifted["plan"] if r["kind"] == "filter")
    assert row["action"] == "drift"
    assert "filterExpression" in row["detail"]
    key = f"plan-dg-{unique}"
    assert misread_cells(json.loads(str(latest_artifacts(key)[key].data))) == []


def test_bad_configuration_fails_before_any_call(prefect_api: None, tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("bucket: b\n")
    with pytest.raises(ConfigError, match="dataset_group: Field required"):
        provision(config_path=str(path))


@pytest.mark.slow
def test_plan_of_a_group_name_with_an_underscore(
    prefect_api: None, local_service: Any, s3: Any, tmp_path: Path, unique: str
) -> None:
    # Issue 16, bug 4: `Shop_Recs` is a valid dataset group name, but not an artifact key.
    pipeline = make_pipeline(tmp_path, s3, unique)
    data = yaml.safe_load(pipeline.path.read_text())
    data["dataset_group"]["name"] = f"Shop_Recs_{unique}"
    pipeline.path.write_text(yaml.safe_dump(data))

    result = main([pipeline.config_path, "--plan"])

    assert ("dataset-group", f"Shop_Recs_{unique}") in actions(result)
    assert f"plan-shop-recs-{unique}" in latest_artifacts(f"plan-shop-recs-{unique}")


@pytest.mark.slow
def test_solution_drift_shows_in_the_plan_and_stops_retrain_before_training(
    prefect_api: None, local_service: Any, s3: Any, personalize: Any, tmp_path: Path, unique: str
) -> None:
    """The plan and ensure share one inspection: a changed event_type is fatal drift in both."""
    pipeline = make_pipeline(tmp_path, s3, unique)
    created = provision(config_path=pipeline.config_path)
    data = yaml.safe_load(pipeline.path.read_text())
    data["solutions"][0]["event_type"] = "purchase"
    pipeline.path.write_text(yaml.safe_dump(data))
    name = data["solutions"][0]["name"]

    planned = provision(config_path=pipeline.config_path, plan=True)
    row = next(r for r in planned["plan"] if (r["kind"], r["name"]) == ("solution", name))
    assert row["action"] == "drift"
    assert "eventType: configured 'purchase', live None" in row["detail"]
    assert set(actions(planned).values()) == {"exists", "drift"}

    state = retrain(config_path=pipeline.config_path, batch=False, return_state=True)
    assert state.is_failed()
    assert "DriftError" in state.message and "eventType" in state.message
    for arn in created["solutions"].values():
        versions = personalize.list_solution_versions(solutionArn=arn)["solutionVersions"]
        assert versions == [], "nothing was trained"
    with pytest.raises(DriftError, match="eventType"):
        provision(config_path=pipeline.config_path)


@pytest.mark.slow
def test_a_configuration_error_on_the_command_line_is_the_message_alone(tmp_path: Path) -> None:
    # Issue 16: about 65 lines and two tracebacks around a two-line message.
    path = tmp_path / "bad.yaml"
    path.write_text("bucket: b\n")
    shown = subprocess.run(
        [sys.executable, "-m", "flows.provision", str(path), "--plan"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert shown.returncode == 1
    lines = shown.stderr.strip().splitlines()
    assert lines[0] == f"{path}: 4 problem(s)"
    assert "  dataset_group: Field required" in lines
    assert len(lines) == 5 and "Traceback" not in shown.stderr
    with pytest.raises(ConfigError):
        main([str(path), "--debug"])


def test_a_plan_with_a_problem_exits_non_zero(
    prefect_api: None, local_service: Any, s3: Any, tmp_path: Path, unique: str,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    # Issue 23: a plan showing an unknown recipe exited 0, so it could not gate a CI job.
    pipeline = make_pipeline(tmp_path, s3, unique)
    assert cli([pipeline.config_path, "--plan"]) == 0
    data = yaml.safe_load(pipeline.path.read_text())
    data["solutions"][1]["recipe"] = "aws-popularity-cnt"
    pipeline.path.write_text(yaml.safe_dump(data))
    assert cli([pipeline.config_path, "--plan"]) == 1
    assert "The plan shows 1 problem(s)" in capsys.readouterr().err
