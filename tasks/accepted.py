"""The accepted data of a dataset: the import files behind what is serving, kept as a manifest.

Personalize trains on what a dataset holds, so a run's import is only *accepted* once the run
ends without a stop (its version promoted, or nothing gated). Then:

1. The manifest ``s3://<bucket>/prepared/<group>/<type>/accepted.json`` lists the accepted
   import files, oldest first, in the modes they were imported (a FULL import starts the list
   again), with the held-out rows imported after the gate (``<type>.holdout.csv``) and those
   still waiting to be carried into the next INCREMENTAL import (``pending``). A copy goes
   under the accepting run's own prefix (``.../<type>/<run>/accepted.json``).
2. :func:`accepted_data` reads it; without one (a dataset group from before manifests), the
   accepted data is the imports in effect when the newest serving version was created; with
   no version serving, there is none yet.
3. :func:`accepted_imports` gives the files' locations (the data checks' "accepted data");
   :func:`as_accepted` tells whether the dataset holds exactly them now.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any, Literal

import fsspec
from pydantic import BaseModel, Field

from tasks.aws import AwsSettings
from tasks.campaigns import serving_solution_version
from tasks.config import PipelineConfig
from tasks.holdout_data import imports_in_effect
from tasks.reporting import run_logger
from tasks.resources import describe_resource

ImportMode = Literal["FULL", "INCREMENTAL"]


class AcceptedImport(BaseModel):
    """One accepted import: the S3 location it read and how."""

    uri: str
    mode: ImportMode
    job: str | None = Field(default=None, description="The import job that read it first.")
    run: str | None = Field(default=None, description="The flow run that imported it.")


class AcceptedData(BaseModel):
    """A dataset's accepted imports, oldest first (the first one FULL when known)."""

    dataset_type: str
    run: str | None = Field(default=None, description="The run that accepted it last.")
    accepted_at: str | None = None
    imports: list[AcceptedImport] = Field(default_factory=list)
    pending: list[str] = Field(
        default_factory=list,
        description="Held-out files accepted but not imported yet (too few rows for an "
        "INCREMENTAL import): carried into the next INCREMENTAL import.",
    )
    derived: bool = Field(
        default=False,
        description="No manifest yet: taken from the imports in effect when the serving "
        "version was created.",
    )

    @property
    def uris(self) -> list[str]:
        """The accepted files' locations, oldest first."""
        return [i.uri for i in self.imports]


def dataset_prefix(config: PipelineConfig, dataset_type: str) -> str:
    """``s3://<bucket>/prepared/<group>/<type>/``: where each run prepares the dataset."""
    return f"s3://{config.bucket}/prepared/{config.dataset_group.name}/{dataset_type}/"


def manifest_uri(config: PipelineConfig, dataset_type: str) -> str:
    """Where the dataset's manifest of accepted imports is kept."""
    return dataset_prefix(config, dataset_type) + "accepted.json"


def read_manifest(config: PipelineConfig, dataset_type: str) -> AcceptedData | None:
    """The dataset's manifest, None when no run has written one."""
    try:
        with fsspec.open(manifest_uri(config, dataset_type), "r") as handle:
            return AcceptedData.model_validate(json.load(handle))
    except FileNotFoundError:
        return None


def write_manifest(config: PipelineConfig, data: AcceptedData, run_id: str) -> str:
    """Write ``data`` as the dataset's manifest (and a copy under the run's prefix); its URI."""
    data = data.model_copy(update={"run": run_id, "accepted_at": _now(), "derived": False})
    text = data.model_dump_json(indent=2)
    uri = manifest_uri(config, data.dataset_type)
    for target in (uri, f"{dataset_prefix(config, data.dataset_type)}{run_id}/accepted.json"):
        with fsspec.open(target, "w") as handle:
            handle.write(text)
    return uri


def accepted_data(
    config: PipelineConfig, dataset_type: str, dataset_arn: str
) -> AcceptedData | None:
    """The dataset's accepted data (see the module docstring, step 2); None when none yet."""
    manifest = read_manifest(config, dataset_type)
    if manifest is not None:
        return manifest
    created = _newest_serving_creation(config)
    if created is None:
        return None
    jobs = imports_in_effect(config.aws, dataset_arn, created)
    if not jobs:
        return None
    return AcceptedData(
        dataset_type=dataset_type,
        imports=[accepted_import(job) for job in jobs],
        derived=True,
    )


def accepted_imports(
    aws: AwsSettings, dataset_arn: str, config: PipelineConfig, dataset_type: str
) -> list[str]:
    """The accepted files' locations, oldest first; the dataset's current imports when nothing
    is accepted yet (the data checks compare a new export with these)."""
    data = accepted_data(config, dataset_type, dataset_arn)
    if data is not None:
        return data.uris
    jobs = imports_in_effect(aws, dataset_arn, datetime.now(UTC).timestamp())
    return [str(job["dataSource"]["dataLocation"]) for job in jobs]


def current_sequence(aws: AwsSettings, dataset_arn: str) -> list[tuple[str, str]]:
    """(location, mode) of the imports the dataset's bulk rows come from now, oldest first."""
    jobs = imports_in_effect(aws, dataset_arn, datetime.now(UTC).timestamp())
    return [(str(j["dataSource"]["dataLocation"]), j.get("importMode", "FULL")) for j in jobs]


def as_accepted(aws: AwsSettings, dataset_arn: str, data: AcceptedData) -> bool:
    """Whether the dataset's bulk rows come from exactly the accepted imports, in order."""
    wanted = [(i.uri, i.mode) for i in data.imports]
    if wanted:
        wanted[0] = (wanted[0][0], "FULL")
    found = current_sequence(aws, dataset_arn)
    if found:
        found[0] = (found[0][0], "FULL")
    return found == wanted


def accepted_import(job: dict[str, Any]) -> AcceptedImport:
    """The accepted form of a described import job."""
    return AcceptedImport(
        uri=str(job["dataSource"]["dataLocation"]),
        mode=job.get("importMode", "FULL"),
        job=job.get("datasetImportJobArn"),
    )


def _newest_serving_creation(config: PipelineConfig) -> float | None:
    """When the newest version any configured campaign serves was created (epoch seconds)."""
    times = []
    for solution in config.solutions:
        if solution.campaign is None:
            continue
        version = serving_solution_version(config.aws, solution.campaign.name)
        if version:
            created = describe_resource(config.aws, "solution-version", version)
            times.append(_seconds(created["creationDateTime"]))
    return max(times, default=None)


def _seconds(value: Any) -> float:
    return value.timestamp() if isinstance(value, datetime) else float(value)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def carry_into(import_uri: str, pending: Sequence[str]) -> list[str]:
    """Copy each pending held-out file into the import folder as a part of its own; the parts."""
    parts = []
    for i, uri in enumerate(pending):
        part = f"{import_uri.rstrip('/')}/carried-{i:03d}.csv"
        try:
            with fsspec.open(uri, "rb") as source, fsspec.open(part, "wb") as target:
                shutil.copyfileobj(source, target)
        except FileNotFoundError:
            run_logger().warning("Held-out file %s is gone; not carried", uri)
            continue
        parts.append(part)
    return parts
