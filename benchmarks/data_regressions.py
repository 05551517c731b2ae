"""Does a faulty export get stopped, an honest one promoted, and the dataset stay as accepted?

    python -m benchmarks.data_regressions [--draws 3] [--only NAME ...]

Through the real ``retrain`` flow: a real Prefect API (a temporary server), the local
Personalize service over HTTP with its loopback S3, real preparation, imports and training.

1. The world is the demo generator's (``local.sample_data``: 1,000 users in taste clusters,
   400 items, 300 interactions a day): its first 60 days are the serving version's data, the 14
   days after them the new data. Honest draws keep the accepted history (draw 0) and add new
   days drawn afresh (``sample_seed``): the same world, new rows.
2. Every scenario gets its own dataset group: provision and a first ``retrain`` (FULL, days
   0-60, promoted), then one ``retrain`` on the scenario's export with the demo's gate (its
   paired holdout comparison and metric rules).
3. Honest: FULL (days 0-74) and INCREMENTAL (days 60-74), ``--draws`` draws each. Faulty
   (each applied to the new days of a FULL export unless said): a quarter of the users folded
   into one id; a timestamp unit bug (the new days a year ahead); a FULL export that ends two
   weeks before the serving data; every new row sent twice; the event mix flipped (clicks
   logged as purchases); the new days naming random items (a broken tracker); and an
   INCREMENTAL export with a quarter of its users folded into one.
4. Each row: how the run ended (stopped before import, stopped at the gate, promoted, or
   failed), the run's message, and whether the dataset then equals its accepted data (after a
   stop: the serving version's; after a promotion: the run's, held-out rows included): a
   dataset export job (BULK) read back against the files of the accepted-imports manifest,
   row for row.

Last line: ``data regressions: stopped S/N (before import B), honest promoted H/M, dataset as
accepted after every stop R/S``.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
import traceback
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import boto3
import numpy as np
import pandas as pd
import yaml

from flows.export_dataset import export_dataset
from flows.retrain import retrain
from local.sample_data import (
    CATALOGUE_COLUMNS,
    DEFAULT_START,
    SampleSize,
    generate_items,
    to_export,
)
from local.sample_data import generate_interactions as generate
from personalize_local.process import LocalService
from tasks.accepted import read_manifest
from tasks.config import load_config
from tasks.dataset_updates import live_dataset
from tasks.prep.import_folder import read_import
from tasks.resources import find_arn
from tasks.s3_access import apply_access

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "config" / "demo.yaml"
DAY = 86_400
COLUMNS = ["USER_ID", "ITEM_ID", "TIMESTAMP", "EVENT_TYPE"]
SIZE = SampleSize()
STARTED = time.monotonic()


def log(message: str) -> None:
    """A progress line with the seconds since the start."""
    print(f"[{time.monotonic() - STARTED:7.1f} s] {message}", flush=True)


def history(draw: int) -> pd.DataFrame:
    """Every day of the world (schema column names): days 0-60 from draw 0, later from ``draw``."""
    days = SIZE.days + SIZE.new_days
    count = SIZE.interactions_per_day * days

    def sample(seed: int) -> pd.DataFrame:
        return generate(SIZE.users, SIZE.items, count, seed=0, days=days, sample_seed=seed)

    past, new = sample(0), sample(draw)
    return pd.concat([past[~is_new(past)], new[is_new(new)]], ignore_index=True)


def is_new(frame: pd.DataFrame) -> np.ndarray:
    """The rows of the days after the serving version's data."""
    return np.asarray(frame["TIMESTAMP"].to_numpy() >= DEFAULT_START + SIZE.days * DAY)


def new_days(draw: int) -> pd.DataFrame:
    """Only the days after the serving version's data, of ``history(draw)``."""
    frame = history(draw)
    return frame[is_new(frame)].reset_index(drop=True)


def fold_users(frame: pd.DataFrame, rows: np.ndarray, seed: int) -> pd.DataFrame:
    """A quarter of the users seen in ``rows`` logged as one id there (a tracking bug)."""
    rng = np.random.default_rng(seed)
    users = frame.loc[rows, "USER_ID"].unique()
    folded = rng.choice(users, len(users) // 4, replace=False)
    out = frame.copy()
    out.loc[rows & out["USER_ID"].isin(folded).to_numpy(), "USER_ID"] = "u-anonymous"
    return out


def year_ahead(frame: pd.DataFrame) -> pd.DataFrame:
    """The new days' timestamps a year ahead (a unit bug upstream)."""
    out = frame.copy()
    out.loc[is_new(out), "TIMESTAMP"] += 365 * DAY
    return out


def twice(frame: pd.DataFrame) -> pd.DataFrame:
    """Every new row sent twice, a second apart (a retrying exporter)."""
    again = frame[is_new(frame)].assign(TIMESTAMP=lambda f: f["TIMESTAMP"] + 1)
    return pd.concat([frame, again], ignore_index=True)


def flipped_events(frame: pd.DataFrame) -> pd.DataFrame:
    """The new days' clicks logged as purchases (a renamed event)."""
    out = frame.copy()
    out.loc[is_new(out), "EVENT_TYPE"] = "purchase"
    return out


def random_items(frame: pd.DataFrame, seed: int) -> pd.DataFrame:
    """The new days naming random items (a broken tracker)."""
    out = frame.copy()
    late = is_new(out)
    catalogue = np.sort(out["ITEM_ID"].unique())
    out.loc[late, "ITEM_ID"] = np.random.default_rng(seed).choice(catalogue, int(late.sum()))
    return out


@dataclass(frozen=True)
class Scenario:
    """One retrain after the serving version: its export, import mode, and whether it is honest."""

    name: str
    honest: bool
    mode: str
    export: Callable[[], pd.DataFrame]


def scenarios(draws: int) -> list[Scenario]:
    """Every honest draw, then every fault."""
    found = []
    for draw in range(1, draws + 1):
        found.append(Scenario(f"honest FULL, draw {draw}", True, "FULL", partial(history, draw)))
        found.append(
            Scenario(
                f"honest INCREMENTAL, draw {draw}", True, "INCREMENTAL", partial(new_days, draw)
            )
        )
    base = history(1)
    new = is_new(base)
    end = DEFAULT_START + (SIZE.days - 14) * DAY
    found += [
        Scenario("users folded into one id", False, "FULL", lambda: fold_users(base, new, 1)),
        Scenario("timestamp unit bug (a year ahead)", False, "FULL", lambda: year_ahead(base)),
        Scenario(
            "FULL export older than the serving data",
            False,
            "FULL",
            lambda: base[base["TIMESTAMP"] < end],
        ),
        Scenario("new rows sent twice", False, "FULL", lambda: twice(base)),
        Scenario("clicks logged as purchases", False, "FULL", lambda: flipped_events(base)),
        Scenario("new days name random items", False, "FULL", lambda: random_items(base, 2)),
        Scenario(
            "INCREMENTAL, users folded into one id",
            False,
            "INCREMENTAL",
            lambda: fold_users(base[new].reset_index(drop=True), np.ones(int(new.sum()), bool), 3),
        ),
    ]
    return found


@dataclass
class Row:
    """How one scenario's retrain ended, and the dataset afterwards."""

    scenario: Scenario
    outcome: str
    message: str
    as_accepted: bool | None
    seconds: float

    @property
    def stopped(self) -> bool:
        """Stopped before import or at the gate."""
        return self.outcome.startswith("stopped")


class Pipelines:
    """Dataset groups of the demo configuration, each with its own bucket and names."""

    def __init__(self, work: Path) -> None:
        self.work = work
        self.s3: Any = boto3.client("s3")
        self.iam: Any = boto3.client("iam")

    def make(self, name: str) -> tuple[str, str]:
        """A new pipeline (bucket, configuration, catalogue): (config path, bucket)."""
        unique = uuid.uuid4().hex[:8]
        bucket = f"regress-{unique}"
        self.s3.create_bucket(Bucket=bucket)
        data = yaml.safe_load(DEMO.read_text())
        apply_access(self.s3, self.iam, bucket, data["role_arn"], "us-east-1")
        data["bucket"] = bucket
        data["dataset_group"]["name"] = f"regress-{unique}"
        for dataset in data["datasets"].values():
            dataset["schema"] = str(DEMO.parent / dataset["schema"])
        items = f"s3://{bucket}/raw/items.parquet"
        generate_items(SIZE.items).rename(columns=CATALOGUE_COLUMNS).to_parquet(items, index=False)
        data["datasets"]["items"]["source"]["uri"] = items
        data["datasets"]["interactions"]["source"]["uri"] = f"s3://{bucket}/raw/first.parquet"
        renamed = {s["name"]: f"{s['name']}-{unique}" for s in data["solutions"]}
        for solution in data["solutions"]:
            solution["name"] = renamed[solution["name"]]
            if solution.get("campaign"):
                solution["campaign"]["name"] = f"{solution['campaign']['name']}-{unique}"
            gate = solution.get("gate") or {}
            if gate.get("baseline_solution"):
                gate["baseline_solution"] = renamed[gate["baseline_solution"]]
        for item in data.get("filters", []):
            old = item["name"]
            item["name"] = f"{old}-{unique}"
            for solution in data["solutions"]:
                batch = solution.get("batch_inference") or {}
                if batch.get("filter") == old:
                    batch["filter"] = item["name"]
        data.pop("event_tracker", None)
        path = self.work / f"{unique}.yaml"
        path.write_text(yaml.safe_dump(data, sort_keys=False))
        log(f"{name}: dataset group {data['dataset_group']['name']}")
        return str(path), bucket


def write_export(bucket: str, name: str, frame: pd.DataFrame) -> str:
    """The interactions as an upstream export (the demo's column names) in the bucket."""
    uri = f"s3://{bucket}/raw/{name}.parquet"
    to_export(frame.sort_values("TIMESTAMP", kind="stable")).to_parquet(uri, index=False)
    return uri


def import_jobs(config_path: str) -> int:
    """How many import jobs the interactions dataset has had."""
    config = load_config(config_path)
    group = find_arn(config.aws, "dataset-group", config.dataset_group.name)
    dataset = live_dataset(config.aws, str(group), "interactions")
    personalize: Any = boto3.client("personalize")
    jobs = personalize.list_dataset_import_jobs(datasetArn=dataset["datasetArn"], maxResults=100)
    return len(jobs["datasetImportJobs"])


def sorted_rows(frame: pd.DataFrame) -> pd.DataFrame:
    """The rows in one order, typed alike."""
    frame = frame[COLUMNS].astype({"USER_ID": str, "ITEM_ID": str, "TIMESTAMP": "int64"})
    return frame.sort_values(COLUMNS).reset_index(drop=True)


def dataset_as_accepted(config_path: str) -> bool:
    """Whether a BULK export of the interactions equals the accepted files, row for row."""
    manifest = read_manifest(load_config(config_path), "interactions")
    if manifest is None:
        return False
    accepted = pd.concat([read_import(uri, COLUMNS) for uri in manifest.uris])
    result = export_dataset(config_path=config_path, dataset="interactions", ingestion_mode="BULK")
    return sorted_rows(pd.read_parquet(result["parquet"])).equals(sorted_rows(accepted))


def outcome_of(state: Any, jobs_before: int, jobs_after: int) -> str:
    """stopped before import, stopped at the gate, promoted, or failed (and why)."""
    if state.is_completed():
        return "promoted" if state.message == "retrained and promoted" else state.message
    if state.message.startswith("stopped by the gate"):
        return "stopped at the gate"
    if jobs_after == jobs_before:
        return "stopped before import"
    return "failed after import"


def run_scenario(pipelines: Pipelines, scenario: Scenario) -> Row:
    """Provision, train the serving version on days 0-60, then retrain on the scenario."""
    started = time.monotonic()
    config_path, bucket = pipelines.make(scenario.name)
    first = history(1)
    write_export(bucket, "first", first[~is_new(first)])
    state = retrain(config_path=config_path, batch=False, return_state=True)
    if not state.is_completed():
        raise RuntimeError(f"the serving version's run did not complete: {state.message}")
    uri = write_export(bucket, "scenario", scenario.export())
    before = import_jobs(config_path)
    state = retrain(
        config_path=config_path,
        interactions_uri=uri,
        import_mode=scenario.mode,
        batch=False,
        return_state=True,
    )
    after = import_jobs(config_path)
    outcome = outcome_of(state, before, after)
    kept = dataset_as_accepted(config_path)
    message = (state.message or "").split("(what the serving version trained on): ")[-1]
    row = Row(scenario, outcome, message, kept, time.monotonic() - started)
    log(f"{scenario.name}: {outcome}; dataset as accepted: {_yes(kept)}; {row.message[:300]}")
    return row


def run_safely(pipelines: Pipelines, scenario: Scenario) -> Row:
    """The scenario's row; an error of the harness itself is a row too, not the end."""
    started = time.monotonic()
    try:
        return run_scenario(pipelines, scenario)
    except Exception as error:
        log(f"{scenario.name}: error {type(error).__name__}: {error}")
        traceback.print_exc()
        return Row(scenario, "error", f"{type(error).__name__}: {error}", None,
                   time.monotonic() - started)  # fmt: skip


def _yes(value: bool | None) -> str:
    return "-" if value is None else ("yes" if value else "NO")


def report(rows: list[Row]) -> None:
    """Every scenario's row (markdown), then the last line."""
    print("\n| scenario | honest | mode | outcome | dataset as accepted | seconds | message |")
    print("|---|---|---|---|---|---|---|")
    for row in rows:
        s = row.scenario
        message = row.message.replace("|", "/").replace("\n", " ")[:160]
        print(
            f"| {s.name} | {'yes' if s.honest else 'no'} | {s.mode} | {row.outcome} | "
            f"{_yes(row.as_accepted)} | {row.seconds:.0f} | {message} |"
        )
    faulty = [r for r in rows if not r.scenario.honest]
    honest = [r for r in rows if r.scenario.honest]
    stops = [r for r in faulty if r.stopped]
    before = sum(r.outcome == "stopped before import" for r in stops)
    promoted = sum(r.outcome == "promoted" for r in honest)
    restored = sum(bool(r.as_accepted) for r in stops)
    print(
        f"\ndata regressions: stopped {len(stops)}/{len(faulty)} (before import {before}), "
        f"honest promoted {promoted}/{len(honest)}, dataset as accepted after every stop "
        f"{restored}/{len(stops)}"
    )


def main() -> None:
    """Start the service and a Prefect API, run every scenario, print the rows and the line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--draws", type=int, default=3, help="honest draws of each mode")
    parser.add_argument("--only", nargs="*", help="run only scenarios whose name has one of these")
    args = parser.parse_args()
    chosen = [
        s for s in scenarios(args.draws) if not args.only or any(o in s.name for o in args.only)
    ]
    from prefect.testing.utilities import prefect_test_harness

    os.environ.pop("AWS_PROFILE", None)  # the local service only, never an account
    os.environ.update(
        AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing", AWS_DEFAULT_REGION="us-east-1"
    )
    with tempfile.TemporaryDirectory(prefix="data-regressions-") as tmp:
        service = LocalService(Path(tmp) / "service")
        (Path(tmp) / "service").mkdir()
        service.start()
        service.apply_env()
        try:
            with prefect_test_harness(server_startup_timeout=180):
                pipelines = Pipelines(Path(tmp))
                where = service.env["AWS_ENDPOINT_URL_PERSONALIZE"]
                log(f"{len(chosen)} scenarios; the local service at {where}")
                rows = [run_safely(pipelines, s) for s in chosen]
        finally:
            service.stop()
    report(rows)


if __name__ == "__main__":
    main()
