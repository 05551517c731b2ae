"""The gate's holdout in a run: where its cutoff may fall, and the versions compared on it.

1. :func:`plan_holdout` (before data preparation): for the solutions whose gate has a
   ``holdout``, find the version each campaign serves and the end of the data it trained on:
   the latest TIMESTAMP in the data reports of the interaction imports in effect when it was
   created (``tasks.holdout_data``: each report sits beside its import file; the
   lineage artifact shows the same spans). The holdout's cutoff is never earlier, so no
   serving version has seen it; the serving versions' own holdout (the same for all) can be
   held out again when a FULL export has nothing newer. Nothing serving, or an import without a
   report, and there is no holdout: the plan says why and the gate falls back to the metric
   rules.
2. Preparation sets the holdout aside beside the import file (``tasks.prep.holdout``).
3. :func:`compare_on_holdout` (after training): one batch inference job per version (new,
   serving, and the baseline solution's when there is one) for the held-out users, in
   parallel, with the solution's batch filter; then per-user metrics and paired bootstrap
   intervals (``tasks.paired``), published as a table artifact ``holdout-<solution>``.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
from prefect.artifacts import create_table_artifact
from prefect.runtime import flow_run

from flows.batch_inference import catalogue_items, write_batch_input
from flows.parallel import all_results
from flows.provision import Resources
from tasks.batch_files import read_output
from tasks.batch_inference import run_batch_inference
from tasks.campaigns import serving_solution_version
from tasks.config import HoldoutGateConfig, PipelineConfig, SolutionConfig
from tasks.holdout_data import TrainedOn, trained_on
from tasks.holdout_metrics import TOP, coverage, per_user_metrics
from tasks.paired import (
    HoldoutComparison,
    PairedDifference,
    comparison_table,
    paired_bootstrap,
)
from tasks.prep.holdout import Holdout, HoldoutSpec
from tasks.reporting import artifact_key, run_logger
from tasks.retries import personalize_task


@dataclass(frozen=True)
class HoldoutPlan:
    """What preparation should hold out (None: nothing), and why not when it should not."""

    spec: HoldoutSpec | None = None
    reason: str = ""


def plan_holdout(
    config: PipelineConfig, resources: Resources, incremental: bool = False
) -> HoldoutPlan:
    """The holdout this run's preparation sets aside (see the module docstring, step 1);
    ``incremental``: the interactions are imported INCREMENTAL, so the serving version's own
    holdout is not held out again (accepted held-out rows are in the dataset by then,
    :mod:`flows.restore`, and a new version trains on them)."""
    gated = [s for s in config.solutions if s.gate and s.gate.holdout and s.campaign]
    if not gated:
        return HoldoutPlan(reason="no solution's gate has a holdout")
    seen: list[TrainedOn] = []
    for solution in gated:
        assert solution.campaign is not None
        serving = serving_solution_version(config.aws, solution.campaign.name)
        if serving is None:
            continue
        data = trained_on(config.aws, resources.datasets["interactions"], serving)
        if data is None:
            return HoldoutPlan(
                reason=f"the end of the data {serving} trained on is unknown (an import "
                "without a data report beside it), so a holdout could not be kept unseen"
            )
        seen.append(data)
    if not seen:
        return HoldoutPlan(reason="no version serving yet")
    settings = [s.gate.holdout for s in gated if s.gate and s.gate.holdout]
    previous = seen[0].holdout
    return HoldoutPlan(
        HoldoutSpec(
            days=max(h.days for h in settings),
            max_users=max(h.max_users for h in settings),
            not_before=max(data.end for data in seen),
            again=previous
            if not incremental and all(data.holdout == previous for data in seen)
            else None,
        )
    )


def compare_on_holdout(
    config: PipelineConfig,
    resources: Resources,
    solution: SolutionConfig,
    versions: dict[str, str],
    holdout: Holdout | None,
    reason: str = "",
) -> HoldoutComparison:
    """``versions`` (role new/serving/baseline -> ARN) compared on the holdout (inside a flow)."""
    settings = solution.gate.holdout if solution.gate else None
    if settings is None:
        return HoldoutComparison(unavailable="the gate has no holdout")
    if holdout is None or holdout.rows == 0 or "serving" not in versions:
        why = reason or ("no version serving yet" if holdout else "no holdout this run")
        if holdout is not None and holdout.rows == 0:
            why = "the holdout is empty: no interactions after the serving version's data"
        run_logger().info("No paired comparison for %s: %s", solution.name, why)
        return HoldoutComparison(unavailable=why, cutoff=holdout.cutoff if holdout else None)
    run = str(flow_run.get_id() or "local")
    base = f"s3://{config.bucket}/holdout/{solution.name}/{run}"
    users = _holdout_users(holdout.uri)
    input_uri = write_batch_input(f"{base}/input.json", users)
    batch = solution.batch_inference
    filter_arn = resources.filters[batch.filter] if batch and batch.filter else None
    # One job per version and run: a retry, or the next candidate of a review, attaches to it;
    # two roles played by one version (a rerun that reuses the serving version) share it.
    outputs = {role: f"{base}/{_short(version)}/" for role, version in versions.items()}
    jobs = {
        version: run_batch_inference.submit(
            config.aws,
            f"{solution.name[:36]}-ho-{_short(version)}-{run[:8]}",
            version,
            input_uri,
            f"{base}/{_short(version)}/",
            config.role_arn,
            num_results=TOP,
            filter_arn=filter_arn,
        )
        for version in dict.fromkeys(versions.values())
    }
    all_results(jobs)
    catalogue = catalogue_items(config.aws, resources)
    return measure_on_holdout(holdout, outputs, catalogue, settings, solution.name)


def _short(version_arn: str) -> str:
    """The version's id (the last part of its ARN), at most 8 characters."""
    return version_arn.rsplit("/", 1)[-1][:8]


def _holdout_users(uri: str) -> list[str]:
    """The held-out users, sorted."""
    users = pd.read_csv(uri, usecols=["USER_ID"], dtype=str)["USER_ID"]
    return sorted(users.unique())


@personalize_task(name="measure-on-holdout")
def measure_on_holdout(
    holdout: Holdout,
    outputs: dict[str, str],
    catalogue: list[str],
    settings: HoldoutGateConfig,
    solution: str,
) -> HoldoutComparison:
    """Per-user metrics of each version's batch output, the paired differences, an artifact."""
    held = pd.read_csv(holdout.uri, usecols=["USER_ID", "ITEM_ID"], dtype=str)
    lists = {role: read_output(prefix) for role, prefix in outputs.items()}
    scores = {role: per_user_metrics(table, held) for role, table in lists.items()}

    newcomers = sorted(_new_users(holdout).intersection(scores["new"].index))
    known = {role: table.drop(index=newcomers) for role, table in scores.items()}
    if known["new"].empty:
        why = "every held-out user is new (no interactions before the cutoff)"
        return HoldoutComparison(unavailable=why, cutoff=holdout.cutoff)

    def versus(role: str, among: dict[str, pd.DataFrame]) -> dict[str, PairedDifference]:
        return paired_bootstrap(
            among["new"],
            among[role],
            confidence=settings.confidence,
            resamples=settings.resamples,
        )

    newcomer_scores = {role: table.loc[newcomers] for role, table in scores.items()}
    comparison = HoldoutComparison(
        users=len(known["new"]),
        cutoff=holdout.cutoff,
        serving=versus("serving", known),
        baseline=versus("baseline", known) if "baseline" in scores else {},
        coverage={role: coverage(table, catalogue) for role, table in lists.items()},
        new_users=versus("serving", newcomer_scores) if newcomers else {},
        new_user_count=len(newcomers),
    )
    publish_comparison(comparison, settings, solution)
    return comparison


def _new_users(holdout: Holdout) -> set[str]:
    """The held-out users who had no interactions before the cutoff."""
    if not holdout.new_users or holdout.new_users_uri is None:
        return set()
    return set(pd.read_csv(holdout.new_users_uri, usecols=["USER_ID"], dtype=str)["USER_ID"])


def publish_comparison(
    comparison: HoldoutComparison, settings: HoldoutGateConfig, solution: str
) -> None:
    """The comparison as a table artifact: per metric, serving vs new, the difference with its
    interval, and the verdict (the gated metric first)."""
    rows = comparison_table(comparison.serving)
    rows.sort(key=lambda row: row["metric"] != settings.metric)
    for row in comparison_table(
        {k: v for k, v in comparison.new_users.items() if k == settings.metric}
    ):
        rows.append(row | {"metric": f"{row['metric']} ({comparison.new_user_count} new users)"})
    rows.append(
        {
            "metric": "catalogue coverage (top 25)",
            "verdict": "(not per user: no interval)",
            "relative": "n/a",
            "serving": f"{comparison.coverage.get('serving', 0.0):.4f}",
            "new": f"{comparison.coverage.get('new', 0.0):.4f}",
            "difference": "n/a",
        }
    )
    cutoff = pd.Timestamp(comparison.cutoff or 0, unit="s", tz="UTC").isoformat()
    create_table_artifact(
        rows,
        key=artifact_key("holdout", solution),
        description=(
            f"## {solution}: new vs serving on the same {comparison.users} held-out users\n\n"
            f"Their interactions after {cutoff}, which neither version trained on. "
            f"Intervals: {settings.confidence:.0%} paired bootstrap, {settings.resamples} "
            f"resamples. The gate checks {settings.metric}: lower bound above "
            f"-{settings.max_drop:.1%}."
        ),
    )
