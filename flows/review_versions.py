"""``review_versions``: gate the versions Personalize trained on its own; promote what passes.

Solutions with automatic training (``performAutoTraining``, on by default on AWS for new
solutions) create versions without any flow. This flow, on a schedule or from the UI, gives
them the same gate as ``retrain``:

1. Per solution with a campaign (all, or those named): the version the campaign serves, and the
   solution's ACTIVE versions created after it, newest first, leaving out those an earlier
   review stopped (``tasks.version_review``).
2. The holdout beside the interactions dataset's latest import file (set aside by the last
   ``retrain``'s data preparation and never imported, so neither the serving version nor any
   version trained since has seen it). None: the paired comparison says so and the metric
   rules decide.
3. Each candidate goes through ``retrain``'s own gate and promotion step (metric rules, the
   paired comparison on the holdout, optional approval, promotion with smoke check and
   rollback) until one passes. A stopped candidate is left tagged (by that step, as in
   ``retrain``) so that the next review skips it; the campaign is left as it was.
4. A table artifact ``review-<dataset group>`` lists every candidate and what came of it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from prefect import flow
from prefect.artifacts import create_table_artifact
from prefect.states import Completed, Failed, State
from pydantic import Field

from flows.holdout import latest_holdout
from flows.imports import current_imports, location, sample_users_of
from flows.lineage import SolutionLineage
from flows.locks import solution_locks
from flows.provision import DEFAULT_CONFIG, resources_for
from flows.retrain import GateContext, SolutionRun, gate_and_promote
from tasks.campaigns import serving_solution_version
from tasks.config import PipelineConfig, SolutionConfig, load_config
from tasks.metrics import get_solution_metrics
from tasks.reporting import artifact_key, run_logger
from tasks.version_review import newer_versions


@flow(name="review-versions", log_prints=True)
def review_versions(
    config_path: str = Field(DEFAULT_CONFIG, description="The pipeline configuration (YAML)."),
    solutions: list[str] | None = Field(
        None, description="Review only these configured solutions (all with a campaign if empty)."
    ),
    require_approval: bool = Field(
        False, description="Wait for a person to approve in the Prefect UI before promoting."
    ),
    batch: bool = Field(True, description="Refresh batch recommendations after a promotion."),
) -> State[Any]:
    """Gate the ACTIVE versions newer than the serving ones; promote only what passes."""
    config = load_config(config_path)
    chosen = [config.solution(n) for n in solutions] if solutions else list(config.solutions)
    chosen = [s for s in chosen if s.campaign is not None]
    resources = resources_for(config)
    interactions = resources.datasets["interactions"]
    holdout = latest_holdout(config.aws, interactions)
    imports = current_imports(config.aws, interactions)
    users = sample_users_of(location(imports[-1])) if imports else []
    context = GateContext(
        config,
        resources,
        _baselines(config, chosen, resources.solutions),
        users,
        require_approval,
        batch,
        holdout,
        "" if holdout else "the latest interactions import has no holdout beside it",
    )
    rows: list[dict[str, str]] = []
    problems: list[str] = []
    with solution_locks(s.name for s in chosen):
        for solution in chosen:
            problem = _review(context, solution, rows)
            if problem:
                problems.append(problem)
    create_table_artifact(
        rows or [{"solution": "-", "version": "-", "outcome": "no version newer than serving"}],
        key=artifact_key("review", config.dataset_group.name),
        description="Solution versions reviewed (newest first) and what came of each.",
    )
    if problems:
        return Failed(message="; ".join(problems), data=rows)
    promoted = sum(row["outcome"] == "promoted" for row in rows)
    return Completed(message=f"{len(rows)} version(s) reviewed, {promoted} promoted", data=rows)


def _baselines(
    config: PipelineConfig, chosen: Sequence[SolutionConfig], arns: dict[str, str]
) -> dict[str, SolutionRun]:
    """The baseline solutions' newest ACTIVE versions and metrics, for the gates that name one."""
    runs: dict[str, SolutionRun] = {}
    for solution in chosen:
        name = solution.gate.baseline_solution if solution.gate else None
        if not name or name in runs:
            continue
        run = SolutionRun(config.solution(name), arns[name])
        latest = newer_versions(config.aws, run.arn, None)
        if latest:
            run.version = latest[0]
            run.metrics = get_solution_metrics(config.aws, run.version)
        runs[name] = run
    return runs


def _review(context: GateContext, solution: SolutionConfig, rows: list[dict[str, str]]) -> str:
    """Gate the solution's candidates newest first until one is promoted; the problem, if any."""
    aws = context.config.aws
    assert solution.campaign is not None
    serving = serving_solution_version(aws, solution.campaign.name)
    candidates = newer_versions(aws, context.resources.solutions[solution.name], serving)
    run_logger().info("%s: %d version(s) newer than %s", solution.name, len(candidates), serving)
    problems: list[str] = []
    for version in candidates:
        run = SolutionRun(solution, context.resources.solutions[solution.name], version)
        run.metrics = get_solution_metrics(aws, version)
        context.runs[solution.name] = run
        record = SolutionLineage(solution.name, version, run.metrics)
        problem = gate_and_promote(context, run, record)
        stopped = record.gate is not None and not record.gate["passed"]
        outcome = "stopped by the gate" if stopped else "promoted" if not problem else "failed"
        rows.append({"solution": solution.name, "version": version, "outcome": outcome,
                     "detail": problem or ""})  # fmt: skip
        if problem is None:
            return ""
        problems.append(problem)
    return "; ".join(problems)
