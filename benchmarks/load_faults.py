"""Load and faults on the local stack (issue 29): runs survive, nothing is imported, trained
or compared twice, and no two runs work on one solution or dataset at once.

    python -m benchmarks.load_faults [--groups 3] [--burst 8] [--throttle 0.2] [--trials 1]

Each trial starts a local stack of its own (``make up``'s code on free ports: Prefect server,
worker, the local Personalize service, every deployment and automation), then:

1. ``--groups`` dataset groups (the demo configuration with their own names and test-sized
   data), each retrained twice at once; the first group also gets a burst of ``--burst`` runs
   on one new export (FULL), as an upstream backfill would send. Runs alternate between the
   two retrain deployments (each allows one run at a time), so two run side by side.
2. ``--throttle`` of the local service's requests are throttled.
3. Once a training is in flight the worker is killed (``kill -9``) and started again 5 s
   later, as ``make up`` would.

When every run has ended it reports, from the Prefect API and the service's own records:
runs started, completed, failed, crashed, rerun; per dataset the imports against the distinct
contents imported (a second import of the same content is a duplicate); per solution the
trainings against the distinct data they trained on (a duplicate trains on data another
version already trained on); overlaps (two imports of one dataset, or two trainings of one
solution, in flight at once); holdout batch jobs, and the redundant ones (a run comparing the
versions an earlier run compared already). The last line sums every trial.
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import tempfile
import time
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from uuid import UUID

import boto3
import httpx
import s3fs
from prefect.client.orchestration import get_client
from prefect.client.schemas.objects import FlowRun
from prefect.settings import PREFECT_API_URL, temporary_settings

from local.sample_data import TEST_SIZE
from local.stack import LocalStack, StackSettings
from tests.pipelines import Pipeline, make_pipeline

DEPLOYMENTS = ("retrain/weekly", "retrain/on-new-interactions")
RUN_TIMEOUT = 1800.0


@dataclass
class Figures:
    """What one trial counted."""

    runs: int = 0
    completed: int = 0
    failed: int = 0
    crashed: int = 0
    rerun: int = 0
    imports: int = 0
    duplicate_imports: int = 0
    trainings: int = 0
    duplicate_trainings: int = 0
    overlaps: int = 0
    batch_jobs: int = 0
    redundant_batch_jobs: int = 0
    seconds: float = 0.0


def free_port() -> int:
    """A loopback port nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_run(name: str, parameters: dict[str, Any]) -> FlowRun:
    """A run of a deployment, created as the UI's Run button does."""
    with get_client(sync_client=True) as client:
        deployment = client.read_deployment_by_name(name)
        return client.create_flow_run_from_deployment(deployment.id, parameters=parameters)


def final_runs(ids: list[UUID], timeout: float = RUN_TIMEOUT) -> list[FlowRun]:
    """The runs once every one has reached a final state."""
    deadline = time.monotonic() + timeout
    while True:
        with get_client(sync_client=True) as client:
            runs = [client.read_flow_run(ident) for ident in ids]
        if all(run.state is not None and run.state.is_final() for run in runs):
            return runs
        if time.monotonic() > deadline:
            raise TimeoutError(f"runs not finished after {timeout:.0f} s")
        time.sleep(2.0)


def faults(stack: LocalStack, settings: dict[str, Any]) -> None:
    """Arm faults on the stack's local service."""
    url = stack.client_env()["AWS_ENDPOINT_URL_PERSONALIZE"] + "/_emulator/faults"
    httpx.post(url, json=settings).raise_for_status()


def kill_worker_once_training(stack: LocalStack, pipelines: list[Pipeline]) -> None:
    """``kill -9`` the worker once a training is in flight; start it again 5 s later."""
    personalize = boto3.client("personalize")
    names = {s.name for p in pipelines for s in p.config.solutions}
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline:
        solutions = [s for s in personalize.list_solutions()["solutions"] if s["name"] in names]
        training = any(
            v["status"] in ("CREATE PENDING", "CREATE IN_PROGRESS")
            for s in solutions
            for v in personalize.list_solution_versions(solutionArn=s["solutionArn"])[
                "solutionVersions"
            ]
        )
        if training:
            break
        time.sleep(0.5)
    pid = stack.worker().pid()
    if pid is not None:
        os.kill(pid, signal.SIGKILL)
    time.sleep(5.0)
    worker = stack.worker()
    worker.start()
    worker.wait_until(stack._worker_online, 120, "polling the work pool")


def overlapping(spans: list[tuple[datetime, datetime]]) -> int:
    """How many spans start before an earlier one has ended."""
    found, latest_end = 0, None
    for start, end in sorted(spans):
        if latest_end is not None and start < latest_end:
            found += 1
        latest_end = end if latest_end is None else max(latest_end, end)
    return found


def count_service(pipelines: list[Pipeline], figures: Figures) -> None:
    """Imports, trainings, overlaps and holdout batch jobs, from the service's records."""
    personalize = boto3.client("personalize")
    fs = s3fs.S3FileSystem()
    groups = {p.config.dataset_group.name for p in pipelines}
    for group in personalize.list_dataset_groups()["datasetGroups"]:
        if group["name"] not in groups:
            continue
        datasets = personalize.list_datasets(datasetGroupArn=group["datasetGroupArn"])
        interaction_imports: list[dict[str, Any]] = []
        for dataset in datasets["datasets"]:
            jobs = [
                personalize.describe_dataset_import_job(
                    datasetImportJobArn=j["datasetImportJobArn"]
                )["datasetImportJob"]
                for j in personalize.list_dataset_import_jobs(datasetArn=dataset["datasetArn"])[
                    "datasetImportJobs"
                ]
            ]
            contents = Counter(
                (job.get("importMode", "FULL"), _etag(fs, job["dataSource"]["dataLocation"]))
                for job in jobs
            )
            figures.imports += len(jobs)
            figures.duplicate_imports += sum(n - 1 for n in contents.values())
            figures.overlaps += overlapping(
                [(j["creationDateTime"], j["lastUpdatedDateTime"]) for j in jobs]
            )
            if dataset["datasetType"] == "INTERACTIONS":
                interaction_imports = [dict(j) for j in jobs if j["status"] == "ACTIVE"]
        solutions = personalize.list_solutions(datasetGroupArn=group["datasetGroupArn"])
        for solution in solutions["solutions"]:
            versions = personalize.list_solution_versions(solutionArn=solution["solutionArn"])
            spans = [
                (v["creationDateTime"], v["lastUpdatedDateTime"])
                for v in versions["solutionVersions"]
            ]
            data = Counter(_data_of(start, interaction_imports) for start, _ in spans)
            figures.trainings += len(spans)
            figures.duplicate_trainings += sum(n - 1 for n in data.values())
            figures.overlaps += overlapping(spans)
    compared: dict[str, set[str]] = defaultdict(set)
    for job in personalize.list_batch_inference_jobs()["batchInferenceJobs"]:
        name = job["jobName"]
        if "-ho-" in name and any(
            name.startswith(s.name[:36]) for p in pipelines for s in p.config.solutions
        ):
            version, run = name.rsplit("-ho-", 1)[1].rsplit("-", 1)
            compared[run].add(version)
    figures.batch_jobs = sum(len(v) for v in compared.values())
    seen: list[set[str]] = []
    for compared_in_run in compared.values():
        if any(compared_in_run <= earlier for earlier in seen):
            figures.redundant_batch_jobs += len(compared_in_run)
        seen.append(compared_in_run)


def _etag(fs: s3fs.S3FileSystem, location: str) -> str:
    """The content tag of an import's file (or of the files under its prefix)."""
    paths = sorted(fs.find(location)) if location.endswith("/") else [location]
    return "|".join(str(fs.info(path).get("ETag", "")) for path in paths)


def _data_of(start: datetime, imports: list[dict[str, Any]]) -> str:
    """The interactions import a training started after (the data it trained on)."""
    before = [j for j in imports if j["lastUpdatedDateTime"] <= start]
    return (
        max(before, key=lambda j: j["lastUpdatedDateTime"])["datasetImportJobArn"] if before else ""
    )


def one_trial(stack: LocalStack, work: Path, trial: int, args: argparse.Namespace) -> Figures:
    """Start the load, kill the worker, wait for every run, count."""
    s3 = boto3.client("s3")
    for n in range(args.groups):
        (work / f"g{n}").mkdir()
    pipelines = [
        make_pipeline(work / f"g{n}", s3, f"lf{trial}g{n}{os.getpid()}", TEST_SIZE)
        for n in range(args.groups)
    ]
    faults(stack, {"throttle": args.throttle})
    started = time.monotonic()
    parameters = [{"config_path": p.config_path, "batch": False} for p in pipelines for _ in (1, 2)]
    burst = {
        "config_path": pipelines[0].config_path,
        "interactions_uri": pipelines[0].exports.all_interactions,
        "import_mode": "FULL",
        "batch": False,
    }
    parameters += [burst] * args.burst
    runs = [start_run(DEPLOYMENTS[n % 2], p) for n, p in enumerate(parameters)]
    kill_worker_once_training(stack, pipelines)
    ended = final_runs([run.id for run in runs])
    faults(stack, {"clear": True})
    figures = Figures(runs=len(ended), seconds=time.monotonic() - started)
    for run in ended:
        assert run.state is not None
        figures.completed += run.state.is_completed()
        figures.failed += run.state.is_failed()
        figures.crashed += run.state.is_crashed()
        figures.rerun += run.run_count > 1
    count_service(pipelines, figures)
    return figures


def main(argv: list[str] | None = None) -> int:
    """Run the trials; print each one's figures and, last, the sums."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.load_faults", description=__doc__)
    parser.add_argument("--groups", type=int, default=3)
    parser.add_argument("--burst", type=int, default=8)
    parser.add_argument("--throttle", type=float, default=0.2)
    parser.add_argument("--trials", type=int, default=1)
    args = parser.parse_args(argv)
    total = Figures()
    for trial in range(1, args.trials + 1):
        with tempfile.TemporaryDirectory() as directory:
            settings = StackSettings(
                state_dir=Path(directory) / "stack",
                prefect_port=free_port(),
                personalize_port=free_port(),
                s3_port=free_port(),
                sample_size=TEST_SIZE,
                prefect_settings={"PREFECT_WORKER_QUERY_SECONDS": "1"},
            )
            stack = LocalStack(settings)
            try:
                stack.up()
                os.environ.update(stack.client_env())
                s3fs.S3FileSystem.clear_instance_cache()
                with temporary_settings({PREFECT_API_URL: stack.api_url}):
                    figures = one_trial(stack, Path(directory), trial, args)
            finally:
                stack.down()
        print(f"trial {trial}: {figures}", flush=True)
        for name in vars(total):
            setattr(total, name, getattr(total, name) + getattr(figures, name))
    print(
        f"load and faults: {total.runs} runs, crashed after rerun {total.crashed}, "
        f"duplicate imports {total.duplicate_imports}, duplicate trainings "
        f"{total.duplicate_trainings}, lock overlaps {total.overlaps}, redundant batch jobs "
        f"{total.redundant_batch_jobs}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
