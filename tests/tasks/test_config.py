"""The pipeline configuration: the demo loads, and every mistake is reported with its path."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

from tasks.config import METRICS, ConfigError, load_config

DEMO = Path(__file__).parents[2] / "config" / "demo.yaml"


def test_the_demo_configuration_loads() -> None:
    config = load_config(DEMO)
    assert config.dataset_group.name == "personalize-demo"
    assert set(config.datasets.configured()) == {"interactions", "items"}
    interactions = config.datasets.interactions
    assert interactions.field_names == ["USER_ID", "ITEM_ID", "TIMESTAMP", "EVENT_TYPE"]
    assert interactions.source is not None and interactions.source.columns["ITEM_ID"] == "sku"
    personalised, baseline = config.solutions
    assert personalised.recipe_arn == "arn:aws:personalize:::recipe/aws-user-personalization-v2"
    assert baseline.recipe == "aws-popularity-count"
    assert personalised.gate is not None and personalised.gate.baseline_solution == baseline.name
    assert personalised.campaign is not None
    assert config.filter("unseen-purchases").expression.startswith("EXCLUDE ItemID")
    assert config.event_tracker is not None
    items = config.datasets.items
    assert items is not None and items.avro_schema["fields"][1]["categorical"] is True


def write(tmp_path: Path, edit: Any) -> Path:
    """A copy of the demo configuration (and schemas) with ``edit`` applied to its data."""
    shutil.copytree(DEMO.parent / "schemas", tmp_path / "schemas")
    data = yaml.safe_load(DEMO.read_text())
    edit(data)
    path = tmp_path / "pipeline.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


def problems(tmp_path: Path, edit: Any) -> list[str]:
    with pytest.raises(ConfigError) as error:
        load_config(write(tmp_path, edit))
    return error.value.problems


def test_unknown_gate_metric_is_named_with_its_path(tmp_path: Path) -> None:
    def edit(data: dict[str, Any]) -> None:
        data["solutions"][0]["gate"]["min"]["precision_at_11"] = 0.1

    (problem,) = problems(tmp_path, edit)
    assert problem.startswith("solutions[0].gate.min.precision_at_11: unknown metric")
    assert "precision_at_10" in problem


def test_holdout_gate_settings_are_checked_with_their_paths(tmp_path: Path) -> None:
    holdout = load_config(DEMO).solutions[0].gate
    assert holdout is not None and holdout.holdout is not None
    assert holdout.holdout.metric == "normalized_discounted_cumulative_gain_at_10"

    def edit(data: dict[str, Any]) -> None:
        data["solutions"][0]["gate"]["holdout"] = {"metric": "ndcg", "max_drop": 2, "days": 0}

    found = problems(tmp_path, edit)
    assert len(found) == 3
    days, drop, metric = sorted(found)
    assert days.startswith("solutions[0].gate.holdout.days: ")
    assert drop.startswith("solutions[0].gate.holdout.max_drop: ")
    assert metric.startswith("solutions[0].gate.holdout.metric: unknown holdout metric")
    assert "recall_at_10" in metric


def test_every_mistake_is_reported_at_once(tmp_path: Path) -> None:
    def edit(data: dict[str, Any]) -> None:
        data["solutions"][0]["gate"]["max_drop"]["ndcg"] = 0.1
        data["solutions"][1]["trainig_mode"] = "FULL"
        data["role_arn"] = "PersonalizeRole"
        data["datasets"]["items"]["schema"] = "schemas/missing.avsc"

    found = problems(tmp_path, edit)
    paths = sorted(problem.split(":")[0] for problem in found)
    assert paths == [
        "datasets.items.schema",
        "role_arn",
        "solutions[0].gate.max_drop.ndcg",
        "solutions[1].trainig_mode",
    ]
    assert any("unknown setting" in problem for problem in found)
    assert any("schema file not found" in problem for problem in found)


def test_references_between_parts_are_checked(tmp_path: Path) -> None:
    def edit(data: dict[str, Any]) -> None:
        data["solutions"][0]["gate"]["baseline_solution"] = "no-such-solution"
        data["solutions"][0]["batch_inference"]["filter"] = "no-such-filter"
        data["filters"].append(dict(data["filters"][0]))

    found = problems(tmp_path, edit)
    assert any(
        p.startswith("solutions[0].gate.baseline_solution: no solution named") for p in found
    )
    assert any(p.startswith("solutions[0].batch_inference.filter: no filter named") for p in found)
    assert any("filters: name 'unseen-purchases' is used more than once" in p for p in found)


def test_a_filter_expression_personalize_would_refuse_is_named_before_any_call(
    tmp_path: Path,
) -> None:
    def edit(data: dict[str, Any]) -> None:
        data["filters"][0]["expression"] = 'EXCLUDE ItemID WHERE Interactions.EVENT_TYPE IN ("buy"'

    (problem,) = problems(tmp_path, edit)
    assert problem.startswith("filters[0].expression:")
    assert "position 55: unexpected end of expression" in problem, problem


def test_schemas_must_be_avro_records_with_the_required_fields(tmp_path: Path) -> None:
    def edit(data: dict[str, Any]) -> None:
        data["datasets"]["items"]["schema"] = "schemas/interactions.avsc"  # fine
        data["datasets"]["users"] = {"schema": "schemas/items.avsc"}  # lacks USER_ID

    (problem,) = problems(tmp_path, edit)
    assert problem.startswith("datasets.users.schema: items.avsc: "), problem
    assert "needs the field USER_ID of type string" in problem, problem

    bad = tmp_path / "bad"
    shutil.copytree(DEMO.parent / "schemas", bad / "schemas")
    (bad / "schemas" / "items.avsc").write_text('{"type": "record", "fields": "nope"}')
    shutil.copy(DEMO, bad / "p.yaml")
    with pytest.raises(ConfigError) as error:
        load_config(bad / "p.yaml")
    assert error.value.problems[0] == (
        "datasets.items.schema: items.avsc: The schema must have a non-empty list of fields."
    )


def test_unreadable_files_are_clear(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="file not found"):
        load_config(tmp_path / "nope.yaml")
    (tmp_path / "bad.yaml").write_text("bucket: [unclosed")
    with pytest.raises(ConfigError, match="not valid YAML"):
        load_config(tmp_path / "bad.yaml")


def test_metric_names_are_get_solution_metrics_keys() -> None:
    assert "precision_at_10" in METRICS and "coverage" in METRICS
    assert all(name.islower() for name in METRICS)


def test_where_preparation_runs_is_checked(tmp_path: Path) -> None:
    assert load_config(DEMO).prep.runner == "process"

    def no_partitions(data: dict[str, Any]) -> None:
        data["prep"] = {"runner": "dask", "partitions": 0}

    def address_without_dask(data: dict[str, Any]) -> None:
        data["prep"] = {"dask_address": "tcp://scheduler:8786"}

    (problem,) = problems(tmp_path / "a", no_partitions)
    assert problem.startswith("prep.partitions: Input should be greater than 0")
    (problem,) = problems(tmp_path / "b", address_without_dask)
    assert problem.startswith("prep") and "need runner: dask" in problem


def test_recommenders_need_a_domain_and_its_use_cases(tmp_path: Path) -> None:
    folders = iter(tmp_path / str(n) for n in range(10))

    def edit(data: dict[str, Any]) -> None:
        data["solutions"] = []
        data["recommenders"] = [
            {"name": "for-you", "recipe": "aws-ecomm-recommended-for-you"},
            {"name": "gated", "recipe": "aws-ecomm-popular-items-by-views",
             "gate": {"baseline_solution": "x"}, "on_degraded": "page"},
        ]  # fmt: skip

    found = problems(next(folders), edit)
    assert any(p.startswith("recommenders[1].on_degraded:") for p in found), found

    def no_domain(data: dict[str, Any]) -> None:
        edit(data)
        data["recommenders"][1]["on_degraded"] = "stop"

    found = problems(next(folders), no_domain)
    assert any(p.startswith("recommenders[0]: recommenders need a domain") for p in found)
    assert any(p.startswith("recommenders[1].gate.baseline_solution:") for p in found)

    def other_domain(data: dict[str, Any]) -> None:
        no_domain(data)
        data["recommenders"].pop()
        data["dataset_group"]["domain"] = "VIDEO_ON_DEMAND"

    (problem,) = problems(next(folders), other_domain)
    assert problem.startswith("recommenders[0].recipe: aws-ecomm-recommended-for-you is not a")

    def nothing(data: dict[str, Any]) -> None:
        data["solutions"] = []

    assert problems(next(folders), nothing) == [
        "solutions: configure at least one solution or recommender"
    ]

    def good(data: dict[str, Any]) -> None:
        other_domain(data)
        data["dataset_group"]["domain"] = "ECOMMERCE"

    config = load_config(write(next(folders), good))
    assert config.recommender("for-you").recipe_arn.endswith("/aws-ecomm-recommended-for-you")
