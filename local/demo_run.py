"""What ``make demo`` runs (:mod:`local.demo`): the flows against the local service, and the
summary printed at the end. Import it after :mod:`local.demo` set Prefect's environment."""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import boto3
import pandas as pd

from flows.batch_inference import batch_inference
from flows.provision import provision
from flows.retrain import retrain
from flows.run_state import run_result
from local.sample_data import SampleExports, SampleSize, write_exports
from personalize_local.process import LocalService
from tasks.config import PipelineConfig, load_config
from tasks.recommendations import get_recommendations
from tasks.s3_access import grant_personalize_access

CONFIG = Path(__file__).resolve().parents[1] / "config" / "demo.yaml"
OUTPUT = Path(".demo")
LATENCY = "instant"
"""Jobs still go through AWS's statuses in the background, without waiting out real durations."""
METRICS = ("precision_at_10", "normalized_discounted_cumulative_gain_at_10", "coverage")


STARTED = time.monotonic()


def step(message: str) -> None:
    """Print one line of progress, with the seconds since the demo started."""
    print(f"==> [{time.monotonic() - STARTED:5.1f} s] {message}", flush=True)


def run_rounds(config: PipelineConfig, exports: SampleExports) -> list[tuple[str, Any]]:
    """Provision, then the three retraining rounds; return (label, final state) per round."""
    path = str(CONFIG)
    step(
        "provision: dataset group, schemas, datasets, filter, event tracker, solutions "
        "(the first flow run also starts Prefect's ephemeral API)"
    )
    provision(config_path=path)
    rounds = [
        ("1: first 60 days", None),
        ("2: all 74 days", exports.all_interactions),
        ("3: broken tracking", exports.broken_interactions),
    ]
    states = []
    for label, uri in rounds:
        step(f"retrain round {label}: prepare, import, train 2 solutions, gate, promote")
        state = retrain(config_path=path, interactions_uri=uri, batch=False, return_state=True)
        print(f"    {outcome_line(str(state.name), state.message or '')}")
        states.append((label, state))
    return states


def outcome_line(name: str, message: str) -> str:
    """A round's end in one line: the run's own warning already gave the gate's reasons."""
    head, _, reasons = message.partition(": ")
    return f"{name}: {head} (why: the gate's table below)" if reasons else f"{name}: {message}"


def table(header: list[str], rows: list[list[str]], align: str) -> list[str]:
    """Lines of a console table whose columns fit their longest cell; ``align`` has one letter
    per column: ``l`` (text) or ``r`` (figures)."""
    cells = [header, *rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(header))]
    return [
        "  "
        + "  ".join(
            cell.ljust(widths[i]) if align[i] == "l" else cell.rjust(widths[i])
            for i, cell in enumerate(row)
        ).rstrip()
        for row in cells
    ]


def print_metrics(config: PipelineConfig, states: list[tuple[str, Any]]) -> None:
    """One line per round and solution: key metrics and what happened."""
    print("\nOffline metrics (GetSolutionMetrics) per retraining round")
    rows = []
    for label, state in states:
        result = run_result(state)
        for record in result["solutions"]:
            values = [f"{record['metrics'].get(m, float('nan')):.4f}" for m in METRICS]
            outcome = "baseline"
            if record["gate"] is not None:
                outcome = "gate passed" if record["gate"]["passed"] else "stopped by the gate"
            if record["promotion"]:
                outcome += f", campaign {record['promotion']['outcome']}"
            rows.append([label, record["solution"], *values, outcome])
    header = ["round", "solution", "p@10", "ndcg@10", "coverage", "outcome"]
    print("\n".join(table(header, rows, "llrrrl")))


def print_gate(label: str, state: Any, solution: str) -> None:
    """The gate's decision table of one round."""
    record = next(s for s in run_result(state)["solutions"] if s["solution"] == solution)
    print(f"\nGate, round {label} ({'passed' if record['gate']['passed'] else 'failed'})")
    header = ["metric", "serving", "new", "change", "rule", "result", "why"]
    rows = [[str(row.get(key, "")) for key in header] for row in record["gate"]["rows"]]
    print("\n".join(table(header, rows, "lrrrlll")))


def print_holdout(label: str, state: Any, solution: str) -> None:
    """The paired comparison of one round: new vs serving on the same held-out users."""
    record = next(s for s in run_result(state)["solutions"] if s["solution"] == solution)
    comparison = (record.get("gate") or {}).get("holdout")
    if not comparison:
        return
    if comparison["unavailable"]:
        print(f"\nHoldout comparison, round {label}: none ({comparison['unavailable']})")
        return
    print(
        f"\nHoldout comparison, round {label}: new vs serving on the same "
        f"{comparison['users']} users' last days, which neither trained on (95% intervals)"
    )
    rows = [
        [d["metric"], f"{d['serving']:.4f}", f"{d['new']:.4f}",
         f"{d['relative']:+.1%} [{d['relative_low']:+.1%}, {d['relative_high']:+.1%}]",
         d["verdict"]]
        for d in comparison["serving"]
        if d["metric"].endswith(("_at_10", "_at_25")) and "hit" not in d["metric"]
    ]  # fmt: skip
    header = ["metric", "serving", "new", "change [interval]", "verdict"]
    print("\n".join(table(header, rows, "lrrll")))


def print_campaign(config: PipelineConfig) -> str:
    """The campaign's state; returns its ARN."""
    solution = next(s for s in config.solutions if s.campaign)
    assert solution.campaign is not None
    personalize = boto3.client("personalize")
    summary = next(
        c for c in personalize.list_campaigns()["campaigns"] if c["name"] == solution.campaign.name
    )
    campaign = personalize.describe_campaign(campaignArn=summary["campaignArn"])["campaign"]
    print(f"\nCampaign {campaign['name']}: {campaign['status']}")
    print(f"  serves {campaign['solutionVersionArn']}")
    return str(campaign["campaignArn"])


def print_recommendations(
    config: PipelineConfig, campaign_arn: str, exports: SampleExports
) -> None:
    """Real-time recommendations for three users, with the categories they and the items have."""
    events = pd.read_parquet(exports.all_interactions)
    categories = pd.read_parquet(exports.items).set_index("sku")["category"]
    print("\nSample recommendations (GetRecommendations)")
    for user in sorted(events["user_id"].unique())[:3]:
        liked = events.loc[events["user_id"] == user, "sku"].map(categories).value_counts()
        items = get_recommendations(config.aws, campaign_arn, user, num_results=5)
        shown = ", ".join(f"{item} ({categories.get(item, '?')})" for item in items)
        print(f"  {user} mostly bought/clicked {', '.join(liked.index[:2])}: {shown}")


def print_batch(result: Mapping[str, Any]) -> None:
    """Where the batch output is, and its summary."""
    OUTPUT.mkdir(exist_ok=True)
    local = OUTPUT / "recommendations.parquet"
    table = pd.read_parquet(result["parquet"])
    table.to_parquet(local, index=False)
    print("\nBatch inference (users active in the last 7 days)")
    print(
        f"  {result['users']} users, {result['rows']} rows, {result['empty_results']} empty results, "
        f"catalogue coverage {result['catalogue_coverage']:.1%}"
    )
    print(f"  output: {result['parquet']} (copied to {local})")
    print("  " + table.head(3).to_string(index=False).replace("\n", "\n  "))


def run_demo(ui_port: int) -> None:
    """Run the demo and print its summary."""
    # The local service and its clients need some credentials, never a real account's.
    os.environ.pop("AWS_PROFILE", None)
    os.environ.update(AWS_ACCESS_KEY_ID="demo", AWS_SECRET_ACCESS_KEY="demo")
    config = load_config(CONFIG)
    with tempfile.TemporaryDirectory() as tmp, LocalService(Path(tmp), latency=LATENCY) as service:
        service.apply_env()
        step(
            f"local Personalize service at {service.env['AWS_ENDPOINT_URL_PERSONALIZE']}, "
            f"S3 at {service.env['AWS_ENDPOINT_URL_S3']}"
        )
        boto3.client("s3").create_bucket(Bucket=config.bucket)
        grant_personalize_access(config.aws, config.bucket, config.role_arn)
        step(f"Personalize may use s3://{config.bucket} and assume {config.role_arn}")
        exports = write_exports(f"s3://{config.bucket}/raw", SampleSize())
        step(f"sample exports written under s3://{config.bucket}/raw/")
        states = run_rounds(config, exports)
        step("batch_inference: recommendations for users active in the last 7 days")
        batch = batch_inference(config_path=str(CONFIG), active_days=7)

        gated = next(s.name for s in config.solutions if s.gate)
        print_metrics(config, states)
        for label, state in states[1:]:
            print_holdout(label, state, gated)
            print_gate(label, state, gated)
        campaign_arn = print_campaign(config)
        print_recommendations(config, campaign_arn, exports)
        print_batch(batch)
    print(
        "\nSee the runs, their artifacts (gate tables, lineage, data reports) and logs in the UI:"
    )
    print(f"  make demo-ui   # then open http://127.0.0.1:{ui_port}/runs (make up's is on 4200)")
    print(f"\nDemo finished in {time.monotonic() - STARTED:.0f} s.")
