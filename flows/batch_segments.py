"""``batch_segments``: segments of users for items or item attributes, as a Parquet table.

1. The solution (trained with aws-item-affinity or aws-item-attribute-affinity) and its newest
   trained version (or a given one) are found.
2. The queries are the given items or attributes, else the configured ones; Item-Affinity
   defaults to the 10 items with the most imported interactions.
3. Their JSON-lines input is written next to the output, the batch segment job runs (a rerun
   of the same flow run attaches to it), and its output becomes Parquet (query, rank, user,
   error) with a summary artifact: segments, empty ones, users per segment, overlap.

``retrain`` calls :func:`refresh_segments` after training a solution whose ``batch_segments``
has ``after_retrain``.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from prefect import flow
from prefect.artifacts import create_table_artifact
from prefect.runtime import flow_run
from pydantic import Field

from flows.batch_inference import imported_rows
from flows.configured import DEFAULT_CONFIG, Resources
from flows.costs import record_costs
from flows.provision import resources_for
from tasks.batch_files import write_text
from tasks.batch_segments import latest_solution_version, run_batch_segment_job
from tasks.config import PipelineConfig, SolutionConfig, load_config
from tasks.endpoints import check_endpoints
from tasks.reporting import artifact_key, run_logger
from tasks.retries import personalize_task
from tasks.segment_files import read_segments, segment_input, summarise_segments

DEFAULT_ITEMS = 10


@personalize_task(name="segments-to-parquet")
def segments_to_parquet(output_prefix: str, parquet_uri: str, solution: str) -> dict[str, Any]:
    """Turn the job's output into Parquet and publish its summary as a table artifact."""
    segments = read_segments(output_prefix)
    segments.to_parquet(parquet_uri, index=False)
    summary = summarise_segments(segments)
    rows = [{"measure": key, "value": str(value)} for key, value in summary.as_dict().items()]
    create_table_artifact(
        rows,
        key=artifact_key("segments", solution),
        description=f"User segments of {solution}: `{parquet_uri}`",
    )
    return {"parquet": parquet_uri, **summary.as_dict()}


@flow(name="batch-segments", log_prints=True)
def batch_segments(
    config_path: str = Field(DEFAULT_CONFIG, description="The pipeline configuration (YAML)."),
    solution: str | None = Field(
        None, description="The configured solution (default: the first with batch_segments)."
    ),
    items: list[str] | None = Field(None, description="Item-Affinity: segment these items."),
    attributes: list[str] | None = Field(
        None, description='Item-Attribute-Affinity: e.g. ITEMS.GENRES = "Comedy".'
    ),
    solution_version: str | None = Field(
        None, description="Use this solution version (default: the newest trained one)."
    ),
) -> dict[str, Any]:
    """User segments as Parquet (query, rank, user, error), with a summary artifact and the run's
    cost record."""
    config = load_config(config_path)
    check_endpoints(config.aws)  # where this run goes; stops early if not ready
    chosen = _solution(config, solution)
    resources = resources_for(config)
    version = solution_version or latest_solution_version(
        config.aws, resources.solutions[chosen.name]
    )
    if version is None:
        raise ValueError(f"{chosen.name} has no trained version yet; run retrain first")
    started = datetime.now(UTC)
    result = refresh_segments(config, resources, chosen, version, items, attributes)
    record_costs(config, str(flow_run.get_id() or "local"), started, [], [], jobs=[result])
    return result


def refresh_segments(
    config: PipelineConfig,
    resources: Resources,
    solution: SolutionConfig,
    version: str,
    items: list[str] | None = None,
    attributes: list[str] | None = None,
) -> dict[str, Any]:
    """Run one solution's batch segment job on ``version`` for the given (else configured)
    queries; where the output is, and its summary (inside a flow run)."""
    settings = solution.batch_segments
    assert settings is not None
    if solution.recipe_arn.endswith("-attribute-affinity"):
        queries, by_attributes = attributes or settings.attributes, True
    else:
        queries = items or settings.items or _popular_items(config, resources.datasets)
        by_attributes = False
    run = str(flow_run.get_id() or "local")
    base = f"s3://{config.bucket}/segments/{solution.name}/{run}"
    write_text(f"{base}/input.json", segment_input(queries, by_attributes))
    run_logger().info("Segmenting users for %d queries with %s", len(queries), version)
    job = run_batch_segment_job(
        config.aws,
        f"{solution.name[:54]}-{run[:8]}",  # one job per run and solution: a retry attaches
        version,
        f"{base}/input.json",
        f"{base}/output/",
        config.role_arn,
        num_results=settings.num_results,
    )
    summary = segments_to_parquet(f"{base}/output/", f"{base}/segments.parquet", solution.name)
    return {"job": job, "solution_version": version, "input": f"{base}/input.json", **summary}


def _solution(config: PipelineConfig, name: str | None) -> SolutionConfig:
    """The named solution, or the first with batch_segments; it must have batch_segments."""
    chosen = (
        config.solution(name)
        if name
        else next((s for s in config.solutions if s.batch_segments is not None), None)
    )
    if chosen is None or chosen.batch_segments is None:
        raise ValueError(
            f"{name or 'no solution'} has no batch_segments configured; add batch_segments to a "
            "solution trained with aws-item-affinity or aws-item-attribute-affinity"
        )
    return chosen


def _popular_items(config: PipelineConfig, datasets: dict[str, str]) -> list[str]:
    """The items with the most imported interactions."""
    rows = imported_rows(config.aws, datasets["interactions"], ["ITEM_ID"])
    return [str(item) for item in rows["ITEM_ID"].value_counts().index[:DEFAULT_ITEMS]]
