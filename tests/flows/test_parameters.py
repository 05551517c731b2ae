"""Every flow parameter has a description and a default: the Prefect UI's form shows them."""

from __future__ import annotations

import pytest
from prefect import Flow

from flows.batch_inference import batch_inference
from flows.provision import provision
from flows.retrain import retrain
from flows.teardown import teardown


@pytest.mark.parametrize("flow", [provision, retrain, batch_inference, teardown])
def test_parameters_are_described(flow: Flow) -> None:
    schema = flow.parameters.model_dump()
    assert schema["properties"]["config_path"]["default"] == "config/demo.yaml"
    for name, field in schema["properties"].items():
        assert field.get("description"), f"{flow.name}.{name} has no description"
    assert not schema.get("required"), "every parameter has a default"


def test_retrain_parameters_match_the_contract() -> None:
    names = list(retrain.parameters.model_dump()["properties"])
    assert names[:5] == [
        "config_path",
        "interactions_uri",
        "import_mode",
        "solutions",
        "require_approval",
    ]
