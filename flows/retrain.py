"""``retrain``: prepare -> import -> train -> gate -> promote -> batch inference.

1. The configuration is loaded first (a bad one fails before any AWS call); the resources it
   describes are found or created (``provision``'s work, idempotent; fatal drift stops here).
2. The run takes the Prefect concurrency locks of its solutions and of the datasets it imports
   into (:mod:`flows.locks`) and holds them until its data is accepted or restored, so two runs
   never import into a dataset, train, promote or restore at once, and a queued run decides
   (holdout, serving version, whether its data is new) only once it holds them. Holding them,
   it checks the training budget first (:mod:`tasks.budget`): over it, it stops before
   anything is imported or trained. A run given an export then takes the exports of the runs
   of its deployment waiting behind it (a burst of export events, :mod:`flows.coalesce`): one
   import, from the newest FULL export on, or of every INCREMENTAL one in order.
3. Each configured dataset's raw data is prepared (cleaned, checked against Personalize's
   minimums, written as the import file) and imported, FULL or INCREMENTAL, unless the
   dataset's latest import already read the same content (:mod:`flows.imports`): a run that
   waited for another's import finds it and uses it. The preparation reads the dataset's
   current import files: an increment's minimums per user count the user's history, and the
   guards refuse a broken export before anything is imported. The selected solutions train
   in parallel. A rerun after a crash attaches to the import or training still in flight, or
   uses the version that finished training after the data's latest import while it was down.
4. Each solution with a campaign goes through the gate (new metrics vs the serving version's
   and the baseline solution's; with ``gate.holdout``, also new vs serving on the same recent
   interactions that preparation held out and neither trained on, :mod:`flows.holdout`); its
   decision is a table artifact. A stopped solution's campaign is not touched, its version is
   tagged as stopped, and the run ends ``Failed`` with "stopped by the gate: ..."
   (:mod:`flows.run_state`: the run's result stays readable, and no engine traceback).
5. A passing version waits for a person's approval when asked to (or when the holdout was too
   small to decide and ``gate.holdout.when_undecided`` is ``approval``), then is promoted: the
   campaign is created or updated and smoke-checked (users from the prepared data's report),
   and rolled back if either fails (the run then ends ``Failed`` saying so). Then batch
   recommendations are refreshed for it. A segmentation solution (no campaign) whose
   ``batch_segments`` asks for it gets its user segments refreshed once trained.
6. Recommenders (domain dataset groups) are retrained by AWS itself: after the import, their
   ``modelMetrics`` are gated against floors and their last good reading, and a degraded one
   is reported, stopped or rolled back as configured (``flows/recommenders.py``).
7. Each solution's :class:`~flows.outcomes.SolutionOutcome` says how far it went; the lineage
   artifact is built from them (input data, import jobs, versions, metrics, gate, approval,
   promotion, campaign, batch output), with the run's cost record (:mod:`flows.costs`).
8. The data goes live at import, before the gate, so the run ends by deciding it
   (:mod:`flows.restore`): a run that promoted (or gated nothing) accepts it (its held-out rows
   are imported, the manifest of accepted imports is rewritten); a stopped run, or one that
   failed after an import, puts each dataset back to the accepted data, unless its
   ``on_stop`` is ``keep``. Both are in the lineage and the run's message.
9. A run whose data is unchanged (every import reused) and whose versions are the ones
   already serving gates nothing (no batch jobs compare a version with itself) and ends
   ``Completed`` with "nothing new: data and versions unchanged".
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from prefect import flow
from prefect.runtime import flow_run
from prefect.states import Completed, Failed, State
from pydantic import Field

from flows.batch_inference import refresh_batch
from flows.batch_segments import refresh_segments
from flows.coalesce import exports_to_import, take_waiting_exports
from flows.configured import DEFAULT_CONFIG, Resources
from flows.costs import record_costs, record_failed_run
from flows.history import publish_histories
from flows.holdout import compare_on_holdout, plan_holdout
from flows.imports import ImportMode, finished_at, prepare_and_import, source_for
from flows.lineage import Lineage
from flows.locks import dataset_lock_name, lock_timeout, solution_locks
from flows.outcomes import SolutionOutcome, Trained
from flows.parallel import all_results
from flows.promote import PromotionApproval, ask_for_approval, promote
from flows.provision import resources_for
from flows.recommenders import check_recommenders
from flows.restore import accept_run, restore_datasets, summary
from flows.run_state import stopped
from tasks.aws import AwsSettings
from tasks.budget import check_budget
from tasks.campaigns import serving_solution_version
from tasks.config import PipelineConfig, SolutionConfig, load_config
from tasks.endpoints import check_endpoints
from tasks.exports import stage_exports
from tasks.gate import GateDecision, evaluate_gate, publish_gate_decision
from tasks.metrics import get_solution_metrics
from tasks.paired import HoldoutComparison
from tasks.preflight import require_source_buckets
from tasks.prep.holdout import Holdout
from tasks.reporting import run_logger
from tasks.resources import describe_resource
from tasks.solution_versions import train_solution_version
from tasks.version_review import earlier_verdict, mark_reviewed, review_inputs

APPROVAL_TIMEOUT_SECONDS = 24 * 3600
NOTHING_NEW = "nothing new: data and versions unchanged"


@dataclass(frozen=True)
class Promoting:
    """What every solution's gate, approval, promotion and batch refresh share in one run."""

    config: PipelineConfig
    resources: Resources
    smoke_users: list[str]
    holdout: Holdout | None = None
    no_holdout: str = ""
    """Why there is no holdout, when there is none."""
    require_approval: bool = False
    batch: bool = True


@flow(name="retrain", log_prints=True)
def retrain(
    config_path: str = Field(DEFAULT_CONFIG, description="The pipeline configuration (YAML)."),
    interactions_uri: str | None = Field(
        None,
        description="Read the interactions from here instead of the configured source "
        "(a local path or s3:// URI, a file or a prefix).",
    ),
    import_mode: ImportMode | None = Field(
        None, description="Override every dataset's configured import mode."
    ),
    solutions: list[str] | None = Field(
        None, description="Train only these configured solutions (all when empty)."
    ),
    require_approval: bool = Field(
        False, description="Wait for a person to approve in the Prefect UI before promoting."
    ),
    batch: bool = Field(
        True,
        description="Refresh batch recommendations after promotion (and segments after "
        "training, where batch_segments.after_retrain).",
    ),
) -> State[Any]:
    """Retrain the configured solutions on fresh data; promote only what passes the gate."""
    _say_if_rerun()
    config = load_config(config_path)
    check_endpoints(config.aws)  # where this run goes; stops early if not ready
    selected = _select(config, solutions)
    source_for(config, "interactions", interactions_uri)  # a bad override fails before AWS calls
    if interactions_uri:
        require_source_buckets(config.aws, {"interactions_uri": interactions_uri})
    run_id = str(flow_run.get_id() or "local")
    imported = [t for t in config.datasets.configured() if source_for(config, t, interactions_uri)]
    datasets = [dataset_lock_name(config.dataset_group.name, t) for t in imported]
    with solution_locks((s.name for s in selected), lock_timeout(config), datasets):
        check_budget(config, selected)  # stops before anything is imported or trained
        if interactions_uri and flow_run.get_id():  # a budget stop leaves the waiting runs be
            interactions_uri, import_mode = _take_waiting(config, run_id, import_mode)
        started = datetime.now(UTC)  # what is created from here on is this run's
        resources = resources_for(config)
        try:
            lineage, outcomes = _retrain(
                config, resources, selected, interactions_uri, import_mode, require_approval, batch,
                started,
            )  # fmt: skip
        except Exception as error:
            after = restore_datasets(config, resources, imported, run_id)
            if not after:
                raise
            failed = Lineage(run_id, after=after)
            failed.publish(config.dataset_group.name)
            return Failed(message=f"{type(error).__name__}: {error}; {summary(after)}", data=error)
        problems = [check.problem for check in lineage.recommenders if check.problem]
        problems += [outcome.problem for outcome in outcomes if outcome.problem]
        if problems and not any(outcome.status == "promoted" for outcome in outcomes):
            lineage.after = restore_datasets(config, resources, imported, run_id)
        else:
            promoted = [o.trained.version for o in outcomes if o.status == "promoted"]
            versions = promoted or [o.trained.version for o in outcomes]
            lineage.after = accept_run(config, resources, lineage.data, run_id, versions)
        lineage.publish(config.dataset_group.name)
        if problems:
            return stopped(
                "; ".join(filter(None, [*problems, summary(lineage.after)])), lineage.as_dict()
            )
        if outcomes and all(outcome.status == "unchanged" for outcome in outcomes):
            return Completed(message=NOTHING_NEW, data=lineage.as_dict())
        return Completed(message="retrained and promoted", data=lineage.as_dict())


def _retrain(
    config: PipelineConfig,
    resources: Resources,
    selected: list[SolutionConfig],
    interactions_uri: str | None,
    import_mode: ImportMode | None,
    require_approval: bool,
    batch: bool,
    started: datetime,
) -> tuple[Lineage, list[SolutionOutcome]]:
    """Prepare, import, train, gate and promote: the run's lineage (not yet published) and
    each solution's outcome."""
    aws = config.aws
    mode = import_mode or config.datasets.interactions.import_mode
    plan = plan_holdout(config, resources, incremental=mode == "INCREMENTAL")
    prepared = prepare_and_import(config, resources, interactions_uri, import_mode, plan.spec)
    run_id = str(flow_run.get_id() or "local")
    try:
        steps = Promoting(
            config,
            resources,
            prepared.smoke_users,
            prepared.holdout,
            plan.reason,
            require_approval,
            batch,
        )

        recommenders = check_recommenders(config, resources)
        outcomes: list[SolutionOutcome] = []
        data_unchanged = bool(prepared.lineage) and all(d.reused for d in prepared.lineage)
        data_since = finished_at(aws, (data.import_job for data in prepared.lineage))
        trained = _train(aws, selected, resources, data_since)
        for run in trained.values():
            if data_unchanged and not _new_version(aws, run, started):
                outcomes.append(SolutionOutcome(run, "unchanged"))
                continue
            if run.solution.campaign is None:
                outcomes.append(SolutionOutcome(run, "trained", batch=_segments(steps, run)))
                continue
            outcomes.append(gate_and_promote(steps, run, trained))

        lineage = Lineage.of(run_id, prepared.lineage, outcomes)
        lineage.recommenders = recommenders
        lineage.history = publish_histories(aws, outcomes)
    except Exception:  # AWS billed the imports, and any training, all the same
        trainings = [resources.solutions[s.name] for s in selected]
        record_failed_run(config, run_id, started, prepared.lineage, trainings)
        raise
    record = record_costs(config, lineage.flow_run, started, prepared.lineage, outcomes)
    lineage.costs = record.as_dict()
    return lineage, outcomes


def _take_waiting(
    config: PipelineConfig, run_id: str, import_mode: ImportMode | None
) -> tuple[str, ImportMode | None]:
    """The exports this run imports, with those of the runs waiting behind it
    (:mod:`flows.coalesce`): one URI, and the mode to import it in."""
    exports = take_waiting_exports(UUID(run_id))
    chosen, mode = exports_to_import(exports, config.datasets.interactions.import_mode)
    if len(exports) == 1:
        return exports[0].uri, import_mode
    if len(chosen) < len(exports):
        run_logger().info(
            "Importing the newest FULL export (of run %s) and the %d after it; the %d before "
            "it are replaced by it",
            chosen[0].run,
            len(chosen) - 1,
            len(exports) - len(chosen),
        )
    if len(chosen) == 1:
        return chosen[0].uri, mode
    prefix = f"s3://{config.bucket}/coalesced/{config.dataset_group.name}/{run_id}/"
    return stage_exports([export.uri for export in chosen], prefix), mode


def _new_version(aws: AwsSettings, run: Trained, started: datetime) -> bool:
    """Whether the run's version is new: not the one its campaign serves, and (without a
    campaign) created by this run."""
    if run.solution.campaign is not None:
        return serving_solution_version(aws, run.solution.campaign.name) != run.version
    created = describe_resource(aws, "solution-version", run.version)["creationDateTime"]
    return bool(created >= started)


def _say_if_rerun() -> None:
    """Log it when this run is a rerun of the same flow run (after a crash, or by hand)."""
    attempt = flow_run.get_run_count()
    if attempt > 1:
        run_logger().warning(
            "Attempt %d of this run (rerun after it ended early, e.g. crashed): it attaches to "
            "the import or training still in flight and uses what finished meanwhile",
            attempt,
        )


def _select(config: PipelineConfig, names: Sequence[str] | None) -> list[SolutionConfig]:
    """The solutions to train, with the baselines their gates need."""
    chosen = [config.solution(name) for name in names] if names else list(config.solutions)
    chosen_names = {s.name for s in chosen}
    for solution in list(chosen):
        baseline = solution.gate.baseline_solution if solution.gate else None
        if baseline and baseline not in chosen_names:
            chosen.append(config.solution(baseline))
            chosen_names.add(baseline)
    return chosen


def _train(
    aws: AwsSettings,
    selected: Sequence[SolutionConfig],
    resources: Resources,
    data_since: datetime | None,
) -> dict[str, Trained]:
    """Train every selected solution in parallel (or use the version trained since the data
    was imported); each version with its metrics."""
    arns = {s.name: resources.solutions[s.name] for s in selected}
    training = {
        s.name: train_solution_version.submit(
            aws, arns[s.name], s.training_mode, data_since=data_since
        )
        for s in selected
    }
    versions = all_results(training)
    metrics = all_results(
        {name: get_solution_metrics.submit(aws, v) for name, v in versions.items()}
    )
    return {s.name: Trained(s, arns[s.name], versions[s.name], metrics[s.name]) for s in selected}


def gate_and_promote(
    steps: Promoting, run: Trained, trained: dict[str, Trained]
) -> SolutionOutcome:
    """Gate -> approval (when asked for) -> promotion -> batch refresh of one new version;
    ``trained`` holds the baseline's version. How far it went. A version the gate stopped
    before, on the same inputs (serving version, gate settings), is not gated again."""
    if _stopped_before(steps, run):
        return SolutionOutcome(run, "stopped before")
    decision = _gate(steps, run, trained)
    if not decision.passed:
        return SolutionOutcome(run, "stopped by the gate", decision)
    if decision.needs_approval:
        run_logger().warning("%s: waiting for a person's approval", decision.needs_approval)
    asked = steps.require_approval or bool(decision.needs_approval)
    approval = _ask_for_approval(decision) if asked else None
    if approval is not None and not approval.approve:
        return SolutionOutcome(run, "not approved", decision, approval)
    aws, serving = steps.config.aws, decision.serving_version
    promotion = promote(aws, run.solution, run.version, serving, steps.smoke_users)
    if not promotion.ok:
        return SolutionOutcome(run, "promotion failed", decision, approval, promotion)
    refreshed = None
    if steps.batch and run.solution.batch_inference is not None:
        refreshed = refresh_batch(steps.config, steps.resources, run.name, run.version)
    return SolutionOutcome(run, "promoted", decision, approval, promotion, refreshed)


def _gate(steps: Promoting, run: Trained, trained: dict[str, Trained]) -> GateDecision:
    """The gate's decision on a new version (published as a table artifact); a stopped version
    is tagged so that ``review_versions`` does not gate it again."""
    aws, solution = steps.config.aws, run.solution
    assert solution.campaign is not None
    serving = serving_solution_version(aws, solution.campaign.name)
    name = solution.gate.baseline_solution if solution.gate else None
    baseline = trained.get(name) if name else None  # trained too (``_select``)
    decision = evaluate_gate(
        solution.gate,
        run.metrics,
        serving=get_solution_metrics(aws, serving) if serving else None,
        baseline=baseline.metrics if baseline else None,
        solution=solution.name,
        new_version=run.version,
        serving_version=serving,
        holdout=_compare(steps, run, serving, baseline),
    )
    publish_gate_decision(decision)
    undecided = [row.note for row in decision.rows if "too few held-out users" in row.note]
    if undecided and decision.passed:
        run_logger().warning("%s: %s", solution.name, undecided[0])
    if not decision.passed:
        run_logger().warning(
            "%s; campaign %s untouched", decision.summary(), solution.campaign.name
        )
        mark_reviewed(aws, run.version, "stopped", review_inputs(serving, solution.gate))
    return decision


def _stopped_before(steps: Promoting, run: Trained) -> bool:
    """Whether the gate stopped this version before against the same serving version and
    gate settings (its verdict then stands: nothing it was reached on has changed)."""
    campaign = run.solution.campaign
    if campaign is None:
        return False
    verdict, inputs = earlier_verdict(steps.config.aws, run.version)
    if verdict != "stopped":
        return False
    serving = serving_solution_version(steps.config.aws, campaign.name)
    if inputs != review_inputs(serving, run.solution.gate):
        return False
    run_logger().warning(
        "%s: %s was stopped by the gate before, against the same serving version (%s) and "
        "gate settings; that verdict stands, so it is not gated again (no holdout batch jobs). "
        "Retrain on new data, or change the gate, to decide again.",
        run.name,
        run.version,
        serving or "none",
    )
    return True


def _compare(
    steps: Promoting, run: Trained, serving: str | None, baseline: Trained | None
) -> HoldoutComparison | None:
    """The paired comparison on the holdout, when the solution's gate asks for one."""
    if run.solution.gate is None or run.solution.gate.holdout is None:
        return None
    versions = {"new": run.version}
    if serving:
        versions["serving"] = serving
    if baseline is not None:
        versions["baseline"] = baseline.version
    return compare_on_holdout(
        steps.config, steps.resources, run.solution, versions, steps.holdout, steps.no_holdout
    )


def _segments(steps: Promoting, run: Trained) -> dict[str, Any] | None:
    """The segments of a newly trained segmentation version, when configured after retrain."""
    settings = run.solution.batch_segments
    if not steps.batch or settings is None or not settings.after_retrain:
        return None
    return refresh_segments(steps.config, steps.resources, run.solution, run.version)


def _ask_for_approval(decision: GateDecision) -> PromotionApproval:
    """A person's answer (in the Prefect UI) on promoting the version the gate passed."""
    answer = ask_for_approval(decision, APPROVAL_TIMEOUT_SECONDS)
    run_logger().info(
        "Promotion %s by %s: %s",
        "approved" if answer.approve else "rejected",
        answer.reviewer or "someone",
        answer.comment,
    )
    return answer
