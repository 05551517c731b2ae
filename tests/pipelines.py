"""Pipelines for tests: the demo configuration with unique names, on sample data in a bucket."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import yaml

from local.sample_data import TEST_SIZE, SampleExports, SampleSize, write_exports
from tasks.config import PipelineConfig, load_config
from tasks.s3_access import apply_access

ROOT = Path(__file__).resolve().parents[1]
DEMO_CONFIG = ROOT / "config" / "demo.yaml"


@dataclass
class Pipeline:
    """A test's own pipeline configuration file and the raw exports it reads."""

    path: Path
    exports: SampleExports

    @property
    def config(self) -> PipelineConfig:
        """The configuration, loaded as the flows load it."""
        return load_config(self.path)

    @property
    def config_path(self) -> str:
        """The path to pass to a flow."""
        return str(self.path)


PASSING_GATE: dict[str, Any] = {"min": {"coverage": 0.0}}
"""A gate every trained version passes."""


def make_pipeline(
    directory: Path,
    s3: Any,
    unique: str,
    size: SampleSize = TEST_SIZE,
    gate: dict[str, Any] | None = None,
) -> Pipeline:
    """Write sample data to a fresh bucket and a copy of the demo config using it.

    Every name gets ``unique`` so that tests sharing one service never meet; ``gate`` replaces
    the gated solution's gate settings when given. On the default (smallest) data, tests that
    do not give a gate get one any trained version passes: GetSolutionMetrics measures each
    version on its own random 10% of users, which on this little data is too noisy for the
    demo's floors, and those tests are not about the gate.
    """
    if gate is None and size == TEST_SIZE:
        gate = PASSING_GATE
    bucket = f"pipeline-{unique}"
    s3.create_bucket(Bucket=bucket)
    data = yaml.safe_load(DEMO_CONFIG.read_text())
    # As a user must on AWS: Personalize may use the bucket and assume the role.
    apply_access(s3, boto3.client("iam"), bucket, data["role_arn"], "us-east-1")
    exports = write_exports(f"s3://{bucket}/raw", size)
    data["bucket"] = bucket
    data["dataset_group"]["name"] = f"dg-{unique}"
    for dataset in data["datasets"].values():
        dataset["schema"] = str(DEMO_CONFIG.parent / dataset["schema"])
    data["datasets"]["interactions"]["source"]["uri"] = exports.interactions
    data["datasets"]["items"]["source"]["uri"] = exports.items
    renamed = {s["name"]: f"{s['name']}-{unique}"[:63] for s in data["solutions"]}
    for solution in data["solutions"]:
        solution["name"] = renamed[solution["name"]]
        if solution.get("campaign"):
            solution["campaign"]["name"] = f"{solution['campaign']['name']}-{unique}"
        if solution.get("gate"):
            if gate is not None:
                solution["gate"] = gate
            baseline = solution["gate"].get("baseline_solution")
            if baseline:
                solution["gate"]["baseline_solution"] = renamed[baseline]
    filters = {f["name"]: f"{f['name']}-{unique}" for f in data.get("filters", [])}
    for item in data.get("filters", []):
        item["name"] = filters[item["name"]]
    for solution in data["solutions"]:
        batch = solution.get("batch_inference") or {}
        if batch.get("filter"):
            batch["filter"] = filters[batch["filter"]]
    if data.get("event_tracker"):
        data["event_tracker"]["name"] = f"tracker-{unique}"
    path = directory / "pipeline.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return Pipeline(path, exports)
