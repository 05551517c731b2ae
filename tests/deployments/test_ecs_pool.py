"""The ECS work pool and prefect.yaml's deployments on it, against a real Prefect API."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
import yaml
from prefect.client.orchestration import get_client
from prefect.settings import PREFECT_API_URL

from deployments.ecs_pool import ECS_POOL, main
from deployments.to_pool import IMAGE_WORKDIR, for_pool

ROOT = Path(__file__).resolve().parents[2]
IMAGE = "123456789012.dkr.ecr.us-east-1.amazonaws.com/prefect-personalize:1.2.3"
TASK_ROLE = "arn:aws:iam::123456789012:role/PersonalizeFlows"


def test_every_deployment_moves_to_the_pool_with_its_schedule_and_parameters() -> None:
    project = yaml.safe_load((ROOT / "prefect.yaml").read_text())
    derived = for_pool(project, "personalize-k8s", {"image": IMAGE}, "/app")
    assert derived["pull"] == [
        {"prefect.deployments.steps.set_working_directory": {"directory": "/app"}}
    ]
    pairs = list(zip(project["deployments"], derived["deployments"], strict=True))
    for before, after in pairs:
        assert after["work_pool"] == {
            "name": "personalize-k8s", "work_queue_name": "default",
            "job_variables": {"image": IMAGE},
        }  # fmt: skip
        assert {k: v for k, v in after.items() if k != "work_pool"} == {
            k: v for k, v in before.items() if k != "work_pool"
        }
    assert project["deployments"][0]["work_pool"]["name"] == "personalize"  # the original stays


@pytest.mark.slow
def test_the_ecs_pool_is_created_and_every_deployment_runs_on_it(
    prefect_api: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PREFECT_API_URL", str(PREFECT_API_URL.value()))  # for `prefect deploy`
    monkeypatch.chdir(ROOT)
    assert main(["--image", IMAGE, "--cluster", "personalize", "--task-role-arn", TASK_ROLE]) == 0

    pool, deployments, flows = asyncio.run(_read())
    assert pool.type == "ecs"
    defaults = {
        k: v.get("default") for k, v in pool.base_job_template["variables"]["properties"].items()
    }
    assert defaults["image"] == IMAGE and defaults["cluster"] == "personalize"
    assert defaults["launch_type"] == "FARGATE" and defaults["task_role_arn"] == TASK_ROLE
    assert (defaults["cpu"], defaults["memory"]) == (2048, 8192)
    project = yaml.safe_load((ROOT / "prefect.yaml").read_text())
    mine = {f"{flows[d.flow_id]}/{d.name}": d for d in deployments if d.work_pool_name == ECS_POOL}
    assert len(mine) == len(project["deployments"])
    for deployment in mine.values():
        assert deployment.job_variables == {"image": IMAGE}
        assert deployment.pull_steps == [
            {"prefect.deployments.steps.set_working_directory": {"directory": IMAGE_WORKDIR}}
        ]
    weekly = mine["retrain/weekly"]
    assert weekly.parameters == {"config_path": "config/demo.yaml"}
    assert [s.schedule.cron for s in weekly.schedules] == ["0 2 * * 1"]  # type: ignore[union-attr]


async def _read() -> tuple[Any, list[Any], dict[Any, str]]:
    async with get_client() as client:
        pool = await client.read_work_pool(ECS_POOL)
        deployments = await client.read_deployments()
        flows = {f.id: f.name for f in await client.read_flows()}
    return pool, deployments, flows
