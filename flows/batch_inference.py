"""``batch_inference``: recommendations for many users at once, as a Parquet table.

1. The users come from the imported interactions (all of them, or those active in the last N
   days of the data) or from a given list.
2. Their JSON-lines input is written next to the output, the batch inference job runs on the
   version the campaign serves (or a given one), and its output is turned into Parquet (user,
   rank, item, score) with a summary artifact: users, empty results, catalogue coverage.
3. A next-best-action solution has no batch inference on AWS (CreateBatchInferenceJob's
   documentation), so its campaign is asked for each user's next best actions instead
   (GetActionRecommendations); the same Parquet and summary, with ``action`` for ``item`` and
   the Actions dataset as the catalogue.

``retrain`` calls :func:`refresh_batch` after each promotion.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import suppress
from datetime import UTC, datetime
from typing import Any

import pandas as pd
from prefect import flow
from prefect.artifacts import create_table_artifact
from prefect.runtime import flow_run
from pydantic import Field

from flows.configured import DEFAULT_CONFIG, Resources
from flows.costs import record_costs
from flows.imports import current_imports, location
from flows.provision import resources_for
from tasks.aws import AwsSettings
from tasks.batch_files import (
    BatchSummary,
    input_lines,
    read_output,
    select_users,
    summarise,
    write_text,
)
from tasks.batch_inference import run_batch_inference
from tasks.campaigns import serving_solution_version
from tasks.config import ConfigError, PipelineConfig, SolutionConfig, load_config
from tasks.endpoints import check_endpoints
from tasks.prep.import_folder import read_import
from tasks.recommendations import actions_for_users
from tasks.reporting import artifact_key
from tasks.resources import find_arn
from tasks.retries import personalize_task


def imported_rows(aws: AwsSettings, dataset_arn: str, columns: Sequence[str]) -> pd.DataFrame:
    """The rows of the import files that make up the dataset now (only ``columns``)."""
    jobs = current_imports(aws, dataset_arn)
    if not jobs:
        raise ValueError(f"{dataset_arn} has no finished import; run retrain first")
    frames = [read_import(location(job), columns) for job in jobs]
    return pd.concat(frames, ignore_index=True)


def catalogue_items(
    aws: AwsSettings, resources: Resources, interactions: pd.DataFrame | None = None
) -> list[str]:
    """The catalogue's item ids, sorted: the items dataset's, else the interactions' items."""
    if "items" in resources.datasets:
        column = imported_rows(aws, resources.datasets["items"], ["ITEM_ID"])["ITEM_ID"]
    else:
        if interactions is None:
            interactions = imported_rows(aws, resources.datasets["interactions"], ["ITEM_ID"])
        column = interactions["ITEM_ID"]
    return sorted(set(column.astype(str)))


@personalize_task(name="write-batch-input")
def write_batch_input(uri: str, users: list[str]) -> str:
    """Write the JSON-lines input of a batch inference job; return its URI."""
    write_text(uri, input_lines(users))
    return uri


@personalize_task(name="batch-output-to-parquet")
def output_to_parquet(
    output_prefix: str, parquet_uri: str, users: list[str], catalogue: list[str], solution: str
) -> dict[str, Any]:
    """Turn the job's output into Parquet and publish its summary as a table artifact."""
    table = read_output(output_prefix)
    table.to_parquet(parquet_uri, index=False)
    return _published(summarise(table, users, catalogue), parquet_uri, solution)


@personalize_task(name="batch-actions-to-parquet")
def actions_to_parquet(
    rows: list[dict[str, Any]],
    parquet_uri: str,
    users: list[str],
    catalogue: list[str],
    solution: str,
) -> dict[str, Any]:
    """Write next best actions (user, rank, action, score) as Parquet and publish their summary
    as a table artifact."""
    table = pd.DataFrame(rows, columns=["user", "rank", "action", "score"]).astype(
        {"user": "string", "rank": "int32", "action": "string", "score": "float64"}
    )
    table.to_parquet(parquet_uri, index=False)
    summary = summarise(table.rename(columns={"action": "item"}), users, catalogue)
    return _published(summary, parquet_uri, solution)


def _published(summary: BatchSummary, parquet_uri: str, solution: str) -> dict[str, Any]:
    """Publish a batch summary as a table artifact; where the output is, and the summary."""
    rows = [{"measure": key, "value": str(value)} for key, value in summary.as_dict().items()]
    create_table_artifact(
        rows,
        key=artifact_key("batch", solution),
        description=f"Batch recommendations for {solution}: `{parquet_uri}`",
    )
    return {"parquet": parquet_uri, **summary.as_dict()}


def refresh_batch(
    config: PipelineConfig,
    resources: Resources,
    solution_name: str,
    solution_version: str,
    users: Sequence[str] | None = None,
    active_days: int | None = None,
) -> dict[str, Any]:
    """Run one solution's batch job for the chosen users; return where the output is, and its
    summary (inside a flow run)."""
    solution = config.solution(solution_name)
    settings = solution.batch_inference
    if settings is None:
        raise ValueError(f"solutions[{solution_name}].batch_inference is not configured")
    aws = config.aws
    interactions = imported_rows(
        aws, resources.datasets["interactions"], ["USER_ID", "ITEM_ID", "TIMESTAMP"]
    )
    chosen = select_users(interactions, users, active_days)
    run = str(flow_run.get_id() or "local")
    base = f"s3://{config.bucket}/batch/{solution_name}/{run}"
    if solution.next_best_action:
        return _next_best_actions(config, resources, solution, solution_version, chosen, base)
    input_uri = write_batch_input(settings.input_uri or f"{base}/input.json", chosen)
    output_uri = settings.output_uri or f"{base}/output/"
    filter_arn = resources.filters[settings.filter] if settings.filter else None
    job = run_batch_inference(
        aws,
        f"{solution_name[:54]}-{run[:8]}",  # one job per run and solution: a retry attaches
        solution_version,
        input_uri,
        output_uri,
        config.role_arn,
        num_results=settings.num_results,
        filter_arn=filter_arn,
    )
    summary = output_to_parquet(
        output_uri,
        f"{base}/recommendations.parquet",
        chosen,
        catalogue_items(aws, resources, interactions),
        solution_name,
    )
    return {"job": job, "input": input_uri, "output": output_uri, **summary}


def _next_best_actions(
    config: PipelineConfig,
    resources: Resources,
    solution: SolutionConfig,
    solution_version: str,
    users: list[str],
    base: str,
) -> dict[str, Any]:
    """Ask the solution's campaign for each user's next best actions (it must serve
    ``solution_version``); where the Parquet output is, and its summary."""
    settings, campaign = solution.batch_inference, solution.campaign
    assert settings is not None and campaign is not None  # checked with the configuration
    aws = config.aws
    arn = find_arn(aws, "campaign", campaign.name, resources.solutions[solution.name])
    serving = serving_solution_version(aws, campaign.name) if arn else None
    if arn is None or serving != solution_version:
        raise ValueError(
            f"{solution.name}: next best actions come from its campaign {campaign.name}, which "
            f"serves {serving or 'nothing'}, not {solution_version} (AWS has no batch jobs for "
            "aws-next-best-action); promote the version first, or leave solution_version unset"
        )
    filter_arn = resources.filters[settings.filter] if settings.filter else None
    rows = actions_for_users(aws, arn, users, settings.num_results, filter_arn)
    actions: list[str] = []
    if "actions" in resources.datasets:
        with suppress(ValueError):  # no import: the actions were only put one by one
            found = imported_rows(aws, resources.datasets["actions"], ["ACTION_ID"])
            actions = sorted(set(found["ACTION_ID"].astype(str)))
    summary = actions_to_parquet(rows, f"{base}/actions.parquet", users, actions, solution.name)
    return {"campaign": arn, **summary}


def batch_solution(config: PipelineConfig, name: str | None, source: str) -> SolutionConfig:
    """The configured solution to run (the first with batch_inference when ``name`` is None);
    a ConfigError naming the choices when there is none, before any AWS call."""
    with_batch = [s.name for s in config.solutions if s.batch_inference is not None]
    if name is None and not with_batch:
        problem = "no solution has batch_inference configured: add it to one of them"
    elif name is None or name in with_batch:
        return config.solution(name or with_batch[0])
    elif name in {s.name for s in config.solutions}:
        problem = f"{name!r} has no batch_inference configured: add it, or name one that has"
    else:
        problem = f"no solution named {name!r} in the configuration"
    choices = ", ".join(with_batch) or "none"
    raise ConfigError(source, [f"solution: {problem} (with batch_inference: {choices})"])


@flow(name="batch-inference", log_prints=True)
def batch_inference(
    config_path: str = Field(DEFAULT_CONFIG, description="The pipeline configuration (YAML)."),
    solution: str | None = Field(
        None, description="The configured solution (default: the first with batch_inference)."
    ),
    users: list[str] | None = Field(None, description="Recommend for these users only."),
    active_days: int | None = Field(
        None, description="Only users active in the last N days of the data (default: all)."
    ),
    solution_version: str | None = Field(
        None, description="Use this solution version (default: the one its campaign serves)."
    ),
) -> dict[str, Any]:
    """Batch recommendations as Parquet (user, rank, item, score), with a summary artifact and
    the run's cost record."""
    config = load_config(config_path)
    chosen = batch_solution(config, solution, config_path)
    name = chosen.name
    check_endpoints(config.aws)  # where this run goes; stops early if not ready
    version = solution_version
    if version is None and chosen.campaign is not None:
        version = serving_solution_version(config.aws, chosen.campaign.name)
    if version is None:
        raise ValueError(
            f"{name} has no campaign serving a version; pass solution_version or run retrain"
        )
    resources = resources_for(config)
    started = datetime.now(UTC)
    result = refresh_batch(config, resources, name, version, users, active_days)
    record_costs(config, str(flow_run.get_id() or "local"), started, [], [], jobs=[result])
    return result
