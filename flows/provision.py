"""``provision``: create what the pipeline configuration describes, once.

Dataset group, schemas, datasets, event tracker, filters, metric attribution, solutions and,
once the interactions are imported (AWS trains a recommender as soon as it is created),
recommenders, walked parent first (``tasks.walk``), each through its ``ensure_*`` task: AWS is
the source of truth, existing resources are found and checked for drift, only missing ones are
created. Running it twice changes nothing the second time. A
dataset whose configured schema only gained fields that allow null is updated
(``tasks.dataset_schemas``); other schema changes stop the run.
With ``plan=True`` it only reads, and publishes what it would create (and any drift) as a table.
Campaigns are not provisioned here: the first retraining run creates them with a gated version,
and the recommenders too when provision ran before any import.
From a shell: ``python -m flows.provision config/demo.yaml --plan``.
"""

from __future__ import annotations

import sys
from dataclasses import asdict
from typing import Any

from prefect import flow
from prefect.artifacts import create_table_artifact
from prefect.futures import PrefectFuture
from pydantic import Field

from flows.configured import DEFAULT_CONFIG, Resources
from flows.recommenders import ensure_recommenders
from tasks.command_line import command_parser
from tasks.config import ConfigError, PipelineConfig, load_config
from tasks.desired import Key
from tasks.endpoints import check_endpoints
from tasks.plan import plan_resources
from tasks.preflight import Finding, preflight, require_preflight
from tasks.reporting import artifact_key, run_logger
from tasks.resources import PlanRow
from tasks.walk import walk


def ensure_resources(config: PipelineConfig) -> Resources:
    """Find or create every resource of the configuration, parent first (inside a flow run);
    then the recommenders, once the interactions are imported."""
    ensured: dict[Key, Any] = {}
    walked = list(walk(config))
    for desired in walked:
        if desired.provisioned and desired.ensure is not None:
            needs = {key: _arn(ensured[key]) for key in desired.needs if key in ensured}
            ensured[desired.key] = desired.ensure(needs)
    resources = Resources.of(
        (desired.slot, _arn(ensured[desired.key]))
        for desired in walked
        if desired.slot and desired.key in ensured
    )
    resources.recommenders = ensure_recommenders(
        config, resources.dataset_group, resources.datasets
    )
    return resources


def _arn(ensured: Any) -> str:
    """An ensured ARN, waiting for it when its step was submitted (solutions)."""
    return str(ensured.result() if isinstance(ensured, PrefectFuture) else ensured)


def existing_resources(config: PipelineConfig) -> Resources | None:
    """Every resource of the configuration, found by reading only; None if any is missing or
    differs from the configuration (then :func:`ensure_resources` creates it, or reports the
    drift and stops on fatal drift, as ``provision`` does). Resources another step creates
    (recommenders: :func:`~flows.recommenders.check_recommenders`, after the import; schemas:
    with their datasets) are left out."""
    rows = plan_resources(config.aws, config)
    walked = list(zip(walk(config), rows, strict=True))
    if any(row.action != "exists" for desired, row in walked if desired.provisioned):
        return None
    return Resources.of(
        (desired.slot, str(row.arn))
        for desired, row in walked
        if desired.slot and desired.provisioned
    )


def resources_for(config: PipelineConfig) -> Resources:
    """The configuration's resources: found when all exist as configured, else provisioned
    (after the pre-create checks, which also stop a campaign syncing itself to $LATEST)."""
    require_preflight(config.aws, config)
    return existing_resources(config) or ensure_resources(config)


@flow(name="provision", log_prints=True)
def provision(
    config_path: str = Field(
        DEFAULT_CONFIG, description="The pipeline configuration (YAML) to provision."
    ),
    plan: bool = Field(
        False, description="Only show what would be created or changed; change nothing."
    ),
) -> dict[str, object]:
    """Create the dataset group and everything in it that is missing; report drift."""
    config = load_config(config_path)
    check_endpoints(config.aws)  # where this run goes; stops early if not ready
    if plan:
        rows = plan_resources(config.aws, config)
        findings = preflight(config.aws, config)
        publish_plan(config, rows, findings)
        return {
            "plan": [asdict(row) for row in rows],
            "problems": [str(f) for f in findings if not f.warning],
            "warnings": [str(f) for f in findings if f.warning],
        }
    require_preflight(config.aws, config)
    resources = ensure_resources(config)
    run_logger().info("Provisioned %s", resources.as_dict())
    return resources.as_dict()


def publish_plan(
    config: PipelineConfig, rows: list[PlanRow], findings: list[Finding] | None = None
) -> None:
    """Print the plan and publish it as a table artifact, with the pre-create checks' findings
    (provisioning would stop on them before creating anything)."""
    for row in rows:
        print(f"{row.action:>8}  {row.kind:<14} {row.name}  {row.detail}".rstrip())
    for finding in findings or []:
        print(f"{_level(finding):>8}  {finding.check:<14} {finding}")
    table = [asdict(row) for row in rows] + [
        {"kind": f.check, "name": f.subject, "action": _level(f), "detail": f"{f.problem} {f.fix}"}
        for f in findings or []
    ]
    create_table_artifact(
        table,
        key=artifact_key("plan", config.dataset_group.name),
        description=f"What provision would do for {config.dataset_group.name} (nothing changed)",
    )


def _level(finding: Finding) -> str:
    """'warning' for what could not be checked (it stops nothing), else 'problem'."""
    return "warning" if finding.warning else "problem"


EXIT_STATUS = """Exit status: 0 when provisioning finished, or the plan shows no problem; 1 when the
configuration is invalid, provisioning failed, or (with --plan) any row of the plan is a
problem (drift, or a failed pre-create check), so that the plan can gate a CI job."""


def plan_problems(result: dict[str, Any]) -> int:
    """How many rows of a plan (``provision(plan=True)``'s result) would stop provisioning."""
    drift = [row for row in result.get("plan", []) if row["action"] == "drift"]
    return len(drift) + len(result.get("problems", []))


def main(argv: list[str] | None = None) -> dict[str, object]:
    """``python -m flows.provision [CONFIG] [--plan] [--debug]``: provision, or only show the
    plan. A configuration error is printed alone, before any run (its traceback with
    ``--debug``)."""
    parser = command_parser("python -m flows.provision", __doc__, EXIT_STATUS)
    parser.add_argument("config_path", nargs="?", default=DEFAULT_CONFIG, help="pipeline YAML")
    parser.add_argument(
        "--plan", action="store_true", help="show what would be created or changed; change nothing"
    )
    parser.add_argument("--debug", action="store_true", help="show tracebacks of errors")
    args = parser.parse_args(argv)
    try:
        load_config(args.config_path)
    except ConfigError as error:
        if args.debug:
            raise
        raise SystemExit(str(error)) from None
    return provision(config_path=args.config_path, plan=args.plan)


def cli(argv: list[str] | None = None) -> int:
    """The exit status of ``python -m flows.provision`` (see ``EXIT_STATUS``)."""
    result = main(argv)
    problems = plan_problems(result) if "plan" in result else 0
    if problems:
        print(
            f"The plan shows {problems} problem(s): provisioning would stop before creating "
            "anything. Fix them and plan again.",
            file=sys.stderr,
        )
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(cli())
