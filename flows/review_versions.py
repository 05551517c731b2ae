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
5. The run's cost record (``flows.costs``): its gate comparison and batch jobs, and what AWS
   billed since the previous record (automatic training, campaigns, recommenders).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from prefect import flow
from prefect.artifacts import create_table_artifact
from prefect.runtime import flow_run
from prefect.states import Completed, State
from pydantic import Field

from flows.configured import DEFAULT_CONFIG
from flows.costs import record_costs
from flows.imports import current_imports, location
from flows.locks import lock_timeout, solution_locks
from flows.outcomes import SolutionOutcome, Trained
from flows.provision import resources_for
from flows.retrain import Promoting, gate_and_promote
from flows.run_state import stopped
from tasks.budget import budget_status
from tasks.campaigns import serving_solution_version
from tasks.config import PipelineConfig, SolutionConfig, load_config
from tasks.holdout_data import data_report, latest_holdout
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
    started = datetime.now(UTC)
    chosen = [config.solution(n) for n in solutions] if solutions else list(config.solutions)
    chosen = [s for s in chosen if s.campaign is not None]
    resources = resources_for(config)
    interactions = resources.datasets["interactions"]
    holdout = latest_holdout(config.aws, interactions)
    imports = current_imports(config.aws, interactions)
    report = data_report(location(imports[-1])) if imports else None
    steps = Promoting(
        config,
        resources,
        list((report or {}).get("sample_users", [])),
        holdout,
        "" if holdout else "the latest interactions import has no holdout beside it",
        require_approval,
        batch,
    )
    outcomes: list[SolutionOutcome] = []
    with solution_locks((s.name for s in chosen), lock_timeout(config)):
        baselines = _baselines(config, chosen, resources.solutions)
        for solution in chosen:
            outcomes += _review(steps, solution, baselines)
    rows = [
        {
            "solution": o.trained.name,
            "version": o.trained.version,
            "outcome": o.status,
            "detail": o.problem or "",
        }
        for o in outcomes
    ]
    create_table_artifact(
        rows or [{"solution": "n/a", "version": "n/a", "outcome": "no version newer than serving"}],
        key=artifact_key("review", config.dataset_group.name),
        description="Solution versions reviewed (newest first) and what came of each.",
    )
    run_id = str(flow_run.get_id() or "local")
    costs = record_costs(config, run_id, started, [], outcomes).as_dict()
    # The month's training hours against the budget, whatever the gate decided.
    budget = budget_status(config)
    if budget:
        run_logger().log(logging.WARNING if "over budget" in budget else logging.INFO, budget)
    problems = [o.problem for o in outcomes if o.problem]
    if problems:
        return stopped(
            "; ".join([*problems, budget] if budget else problems),
            {"reviewed": rows, "costs": costs},
        )
    promoted = sum(o.status == "promoted" for o in outcomes)
    message = f"{len(rows)} version(s) reviewed, {promoted} promoted"
    if budget:
        message += f"; {budget}"
    return Completed(message=message, data={"reviewed": rows, "costs": costs})


def _baselines(
    config: PipelineConfig, chosen: Sequence[SolutionConfig], arns: dict[str, str]
) -> dict[str, Trained]:
    """The baseline solutions' newest ACTIVE versions with their metrics, for the gates that
    name one."""
    found: dict[str, Trained] = {}
    for solution in chosen:
        name = solution.gate.baseline_solution if solution.gate else None
        if not name or name in found:
            continue
        latest = newer_versions(config.aws, arns[name], None)
        if latest:
            metrics = get_solution_metrics(config.aws, latest[0])
            found[name] = Trained(config.solution(name), arns[name], latest[0], metrics)
    return found


def _review(
    steps: Promoting, solution: SolutionConfig, baselines: dict[str, Trained]
) -> list[SolutionOutcome]:
    """Gate the solution's candidates, newest first, until one passes; their outcomes."""
    aws = steps.config.aws
    assert solution.campaign is not None
    arn = steps.resources.solutions[solution.name]
    serving = serving_solution_version(aws, solution.campaign.name)
    candidates = newer_versions(aws, arn, serving)
    run_logger().info("%s: %d version(s) newer than %s", solution.name, len(candidates), serving)
    outcomes: list[SolutionOutcome] = []
    for version in candidates:
        run = Trained(solution, arn, version, get_solution_metrics(aws, version))
        outcome = gate_and_promote(steps, run, baselines)
        outcomes.append(outcome)
        if outcome.status not in ("stopped by the gate", "stopped before"):  # promoted, or a no
            break
    return outcomes
