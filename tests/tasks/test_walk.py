"""The desired-state walk: parent first, one registry for plan, ensure, existing and teardown."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
import yaml

from tasks.config import load_config
from tasks.kinds import kind, kinds
from tasks.walk import REGISTRY, parent_kind, walk

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "config" / "demo.yaml"


def test_each_resource_comes_after_what_it_needs(tmp_path: Path) -> None:
    data = yaml.safe_load(DEMO.read_text())
    for dataset in data["datasets"].values():
        dataset["schema"] = str(DEMO.parent / dataset["schema"])
    data["metric_attribution"] = {
        "name": "impact",
        "metrics": [{"event_type": "purchase", "metric_name": "REVENUE", "expression": "SUM(Items.PRICE)"}],
    }  # fmt: skip
    path = tmp_path / "pipeline.yaml"
    path.write_text(yaml.safe_dump(data))
    config = load_config(str(path))

    walked = list(walk(config))

    seen: set[tuple[str, str]] = set()
    for desired in walked:
        assert set(desired.needs) <= seen, f"{desired.key} before {desired.needs}"
        seen.add(desired.key)
    kinds_walked = [desired.kind for desired in walked]
    assert kinds_walked[0] == "dataset-group"
    assert kinds_walked.count("schema") == kinds_walked.count("dataset") == len(data["datasets"])
    assert {"event-tracker", "filter", "metric-attribution", "solution"} <= set(kinds_walked)


def test_the_registry_is_parent_first_and_covers_every_deletable_kind() -> None:
    order = [entry.kind for entry in REGISTRY]
    for position, name in enumerate(order[1:], start=1):
        parent = parent_kind(name)
        assert parent in order[:position], f"{name}'s parent {parent} comes after it"
    used = {used for entry in REGISTRY for used in entry.uses}
    assert all(parent_kind(name) is None for name in used), "a used kind is listed account-wide"
    deletable = {name for name, described in kinds().items() if described.delete}
    assert deletable == set(order) | used
    assert all(kind(name).delete for name in order)
    for entry in REGISTRY:
        for job in entry.jobs:
            assert parent_kind(job) == entry.kind and kind(job).wait.in_flight, job


def test_teardown_deletes_campaigns_first_and_the_group_last() -> None:
    reverse = [entry.kind for entry in reversed(REGISTRY)]
    assert reverse[0] == "campaign" and reverse[-1] == "dataset-group"
    assert reverse.index("solution") < reverse.index("filter") < reverse.index("event-tracker")
    assert reverse.index("event-tracker") < reverse.index("dataset")


@pytest.mark.parametrize("driver", ["tasks/plan.py", "flows/provision.py", "tasks/teardown.py"])
def test_the_walks_drivers_name_no_kind(driver: str) -> None:
    """Adding a kind is its registry entry, its module and its configuration: the plan,
    ensure, existing and teardown take every kind from the walk."""
    tree = ast.parse((ROOT / driver).read_text())
    strings = {node.value for node in ast.walk(tree) if isinstance(node, ast.Constant)}
    assert strings & set(kinds()) == set()
