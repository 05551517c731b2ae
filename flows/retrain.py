"""``retrain``: prepare -> import -> train -> gate -> promote -> batch inference.

1. The configuration is loaded first (a bad one fails before any AWS call); the resources it
   describes are found or created (``provision``'s work, idempotent).
2. Each configured dataset's raw data is prepared (cleaned, checked against Personalize's
   minimums, written as the import CSV) and imported, FULL or INCREMENTAL.
3. The selected solutions train in parallel, holding one Prefect concurrency lock per solution
   from training until promotion and batch refresh are done, so two runs never train or
   promote the same solution at once.
   A rerun after a crash attaches to the import or training still in flight.
4. Each solution with a campaign goes through the gate (new metrics vs the serving version's
   and the baseline solution's; with ``gate.holdout``, also new vs serving on the same recent
   interactions that preparation held out and neither trained on, ``flows.holdout``); its
   decision is a table artifact. A stopped solution's
   campaign is not touched, and the run ends ``Failed`` with "stopped by the gate: ...".
5. A passing version is promoted (optionally after a person approves): the campaign is created
   or updated and smoke-checked, and rolled back if either fails (the run then ends ``Failed``
   saying so). Then batch recommendations are refreshed for it.
6. A lineage artifact links input data, import jobs, versions, metrics, gate and campaign.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from prefect import flow
from prefect.runtime import flow_run
from prefect.states import Completed, Failed, State
from pydantic import Field

from flows.batch_inference import refresh_batch
from flows.holdout import HoldoutPlan, compare_on_holdout, plan_holdout
from flows.imports import location, sample_users_of, unchanged_import
from flows.lineage import DataLineage, Lineage, SolutionLineage, etag
from flows.locks import solution_locks
from flows.promote import PromotionApproval, ask_for_approval, promote
from flows.provision import DEFAULT_CONFIG, Resources, resources_for
from tasks.aws import AwsSettings
from tasks.campaigns import serving_solution_version
from tasks.config import PipelineConfig, SolutionConfig, load_config
from tasks.dataset_imports import import_dataset
from tasks.gate import GateDecision, evaluate_gate, publish_gate_decision
from tasks.metrics import get_solution_metrics
from tasks.paired import HoldoutComparison
from tasks.prep.config import SourceConfig
from tasks.prep.holdout import Holdout
from tasks.prep.task import prepare_dataset
from tasks.reporting import run_logger
from tasks.resources import describe_resource
from tasks.solution_versions import train_solution_version
from tasks.version_review import mark_reviewed

ImportMode = Literal["FULL", "INCREMENTAL"]
APPROVAL_TIMEOUT_SECONDS = 24 * 3600


@dataclass
class SolutionRun:
    """One solution's part of a run."""

    config: SolutionConfig
    arn: str
    version: str = ""
    metrics: dict[str, float] | None = None


@dataclass
class GateContext:
    """What every solution's gate and promotion share within one run."""

    config: PipelineConfig
    resources: Resources
    runs: dict[str, SolutionRun]
    sample_users: list[str]
    require_approval: bool
    batch: bool
    holdout: Holdout | None = None
    holdout_reason: str = ""


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
    batch: bool = Field(True, description="Refresh batch recommendations after promotion."),
) -> State[Any]:
    """Retrain the configured solutions on fresh data; promote only what passes the gate."""
    config = load_config(config_path)
    selected = _select(config, solutions)
    _source(config, "interactions", interactions_uri)  # a bad override fails before AWS calls
    resources = resources_for(config)
    lineage = Lineage(flow_run=str(flow_run.get_id() or "local"))
    plan = plan_holdout(config, resources)
    lineage.data, sample_users = _prepare_and_import(
        config, resources, interactions_uri, import_mode, plan
    )
    held = next((Holdout(**d.holdout) for d in lineage.data if d.holdout), None)

    problems: list[str] = []
    with solution_locks(s.name for s in selected):
        runs = _train(config.aws, selected, resources)
        context = GateContext(
            config, resources, runs, sample_users, require_approval, batch, held, plan.reason
        )
        for run in runs.values():
            record = SolutionLineage(run.config.name, run.version, run.metrics or {})
            lineage.solutions.append(record)
            if run.config.campaign is None:
                continue
            problem = gate_and_promote(context, run, record)
            if problem:
                problems.append(problem)
    lineage.publish(config.dataset_group.name)
    result = lineage.as_dict()
    if problems:
        return Failed(message="; ".join(problems), data=result)
    return Completed(message="retrained and promoted", data=result)


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


def _prepare_and_import(
    config: PipelineConfig,
    resources: Resources,
    interactions_uri: str | None,
    import_mode: ImportMode | None,
    plan: HoldoutPlan,
) -> tuple[list[DataLineage], list[str]]:
    """Prepare and import every dataset with a source; return lineage and smoke-test users."""
    run_id = str(flow_run.get_id() or "local")
    records: list[DataLineage] = []
    sample_users: list[str] = []
    for dataset_type, dataset in config.datasets.configured().items():
        source = _source(config, dataset_type, interactions_uri)
        if source is None:
            continue
        output = (
            f"s3://{config.bucket}/prepared/{config.dataset_group.name}/{dataset_type}/{run_id}/"
        )
        mode = import_mode or dataset.import_mode
        prepared = prepare_dataset(
            source,
            dataset.cleaning,
            dataset.avro_schema,
            dataset_type,
            output,
            incremental=mode == "INCREMENTAL",
            holdout=plan.spec if dataset_type == "interactions" else None,
        )
        dataset_arn = resources.datasets[dataset_type]
        import_uri, import_etag = prepared.import_uri, etag(prepared.import_uri)
        previous = unchanged_import(config.aws, dataset_arn, import_etag, mode)
        if previous is not None:
            job, import_uri = previous["datasetImportJobArn"], location(previous)
            run_logger().info(
                "%s data unchanged since import %s; not importing it again", dataset_type, job
            )
        else:
            job = import_dataset(
                config.aws,
                dataset_arn,
                import_uri,
                config.role_arn,
                mode,
                job_name=_job_name(config, dataset_type),
            )
        records.append(
            DataLineage(
                dataset_type,
                source.uri,
                etag(source.uri),
                import_uri,
                import_etag,
                job,
                mode,
                prepared.rows_out,
                prepared.report.time_start,
                prepared.report.time_end,
                prepared.holdout.model_dump() if prepared.holdout else None,
            )
        )
        if dataset_type == "interactions":
            sample_users = sample_users_of(prepared.import_uri)
    return records, sample_users


def _source(
    config: PipelineConfig, dataset_type: str, interactions_uri: str | None
) -> SourceConfig | None:
    """A dataset's raw source, with the interactions' URI overridden when one is given."""
    dataset = config.datasets.configured()[dataset_type]  # type: ignore[index]
    if dataset_type != "interactions" or not interactions_uri:
        return dataset.source
    if dataset.source is None:
        raise ValueError(
            "interactions_uri was given but datasets.interactions.source is not configured; "
            "configure its format and columns there"
        )
    return dataset.source.model_copy(update={"uri": interactions_uri})


def _job_name(config: PipelineConfig, dataset_type: str) -> str:
    """A unique import job name (names are unique per account, for all datasets)."""
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    return f"{config.resource_name(dataset_type)[:47]}-{stamp}"


def _train(
    aws: AwsSettings, selected: Sequence[SolutionConfig], resources: Resources
) -> dict[str, SolutionRun]:
    """Train every selected solution in parallel; fetch each new version's metrics."""
    runs = {s.name: SolutionRun(s, resources.solutions[s.name]) for s in selected}
    futures = {
        name: train_solution_version.submit(aws, run.arn, run.config.training_mode)
        for name, run in runs.items()
    }
    for name, future in futures.items():
        runs[name].version = future.result()
    metrics = {name: get_solution_metrics.submit(aws, run.version) for name, run in runs.items()}
    for name, pending in metrics.items():
        runs[name].metrics = pending.result()
    return runs


def gate_and_promote(context: GateContext, run: SolutionRun, record: SolutionLineage) -> str | None:
    """Gate one solution's new version and promote it; return the problem, if any."""
    aws, solution = context.config.aws, run.config
    assert solution.campaign is not None
    serving = serving_solution_version(aws, solution.campaign.name)
    holdout = _compare(context, run, serving)
    record.holdout = holdout.to_dict() if holdout else None
    decision = evaluate_gate(
        solution.gate,
        run.metrics or {},
        serving=get_solution_metrics(aws, serving) if serving else None,
        baseline=_baseline_metrics(solution, context.runs),
        solution=solution.name,
        new_version=run.version,
        serving_version=serving,
        holdout=holdout,
    )
    publish_gate_decision(decision)
    record.gate = decision.to_dict()
    if not decision.passed:
        run_logger().warning(
            "%s; campaign %s untouched", decision.summary(), solution.campaign.name
        )
        mark_reviewed(aws, run.version, "stopped")
        return decision.summary()
    if context.require_approval and not _approved(decision):
        return f"promotion of {run.version} was not approved"
    promotion = promote(aws, solution, run.version, serving, context.sample_users)
    record.promotion = promotion.as_dict()
    if promotion.campaign_arn:
        record.campaign = describe_resource(aws, "campaign", promotion.campaign_arn)
    if not promotion.ok:
        return promotion.message
    if context.batch and solution.batch_inference is not None:
        record.batch = refresh_batch(context.config, context.resources, solution.name, run.version)
    return None


def _compare(
    context: GateContext, run: SolutionRun, serving: str | None
) -> HoldoutComparison | None:
    """The paired comparison on the holdout, when the solution's gate asks for one."""
    gate = run.config.gate
    if gate is None or gate.holdout is None:
        return None
    versions = {"new": run.version, **({"serving": serving} if serving else {})}
    if gate.baseline_solution and context.runs[gate.baseline_solution].version:
        versions["baseline"] = context.runs[gate.baseline_solution].version
    return compare_on_holdout(
        context.config,
        context.resources,
        run.config,
        versions,
        context.holdout,
        context.holdout_reason,
    )


def _baseline_metrics(
    solution: SolutionConfig, runs: dict[str, SolutionRun]
) -> dict[str, float] | None:
    """The metrics of the baseline solution's version trained in this run (see ``_select``)."""
    name = solution.gate.baseline_solution if solution.gate else None
    return runs[name].metrics if name else None


def _approved(decision: GateDecision) -> bool:
    answer: PromotionApproval = ask_for_approval(decision, APPROVAL_TIMEOUT_SECONDS)
    run_logger().info(
        "Promotion %s by %s: %s",
        "approved" if answer.approve else "rejected",
        answer.reviewer or "someone",
        answer.comment,
    )
    return answer.approve
