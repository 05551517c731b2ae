"""prefect.yaml points at real flows, with parameters they accept, on the pool we create."""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any

import pytest
import yaml
from prefect import Flow
from prefect.utilities.callables import parameter_schema

from deployments.upstream import EXPORTED_EVENT, dataset_group_resource
from deployments.work_pool import WORK_POOL, base_job_template
from tasks.config import load_config

ROOT = Path(__file__).resolve().parents[2]
DEPLOYMENTS: list[dict[str, Any]] = yaml.safe_load((ROOT / "prefect.yaml").read_text())[
    "deployments"
]


def _flow(entrypoint: str) -> Flow[Any, Any]:
    path, name = entrypoint.split(":")
    module = importlib.import_module(path.removesuffix(".py").replace("/", "."))
    found = getattr(module, name)
    assert isinstance(found, Flow), f"{entrypoint} is not a Prefect flow"
    return found


@pytest.mark.parametrize("spec", DEPLOYMENTS, ids=[d["entrypoint"] for d in DEPLOYMENTS])
def test_each_deployment_runs_a_flow_with_the_parameters_it_sets(spec: dict[str, Any]) -> None:
    flow = _flow(spec["entrypoint"])
    accepted = set(parameter_schema(flow).properties)
    assert set(spec.get("parameters", {})) <= accepted
    for trigger in spec.get("triggers", []):
        assert set(trigger["parameters"]) <= accepted
    assert spec["work_pool"]["name"] == WORK_POOL


@pytest.mark.parametrize("spec", DEPLOYMENTS, ids=[d["entrypoint"] for d in DEPLOYMENTS])
def test_every_parameter_has_a_description_for_the_run_form(spec: dict[str, Any]) -> None:
    # Prefect 3.9 reads a description from `param: T = Field(default, description=...)` or the
    # docstring's Args section, not from `Annotated[T, Field(description=...)]`.
    schema = parameter_schema(_flow(spec["entrypoint"]))
    undescribed = [name for name, prop in schema.properties.items() if not prop.get("description")]
    assert not undescribed, f"{spec['entrypoint']}: describe {undescribed}"


def test_deployment_names_are_unique_per_flow() -> None:
    keys = [(_flow(d["entrypoint"]).name, d["name"]) for d in DEPLOYMENTS]
    assert len(keys) == len(set(keys))


def test_pool_template_gives_runs_the_environment() -> None:
    template = base_job_template({"AWS_ENDPOINT_URL_PERSONALIZE": "http://127.0.0.1:1"})
    env = template["variables"]["properties"]["env"]
    assert env["default"] == {"AWS_ENDPOINT_URL_PERSONALIZE": "http://127.0.0.1:1"}
    assert template["job_configuration"]["env"] == "{{ env }}"
    assert (
        "default" not in base_job_template({})["variables"]["properties"]["env"]
        or not (base_job_template({})["variables"]["properties"]["env"]["default"])
    )


def test_event_trigger_matches_the_dataset_group_of_its_configuration() -> None:
    triggered = [d for d in DEPLOYMENTS if d.get("triggers")]
    assert triggered, "a deployment is started by the upstream event"
    for spec in triggered:
        config = load_config(ROOT / spec["parameters"]["config_path"])
        for trigger in spec["triggers"]:
            assert trigger["expect"] == [EXPORTED_EVENT]
            assert trigger["match"]["prefect.resource.id"] == dataset_group_resource(
                config.dataset_group.name
            )
