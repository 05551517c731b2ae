"""Where preparation's steps run: Prefect tasks mapped on a Dask task runner (prefect-dask).

``dask_task_runner`` builds the runner from the configuration's ``prep`` section: a local
Dask cluster of worker processes (one per core unless ``dask_workers`` says otherwise, one
thread each, since every job is a stream of vectorised work), or the existing cluster at
``dask_address``. ``ClusterMap`` hands each job of a step to the flow's Dask cluster as a
plain Dask future (``run_job``: transient errors retried as the package's tasks retry them,
the allocator settings of ``allocator.py``), and logs each job (``route-split-3: 2.1 s on
worker 0``) and each step's elapsed time; the jobs are listed in a table artifact
(``task.publish_jobs``). A Prefect task run per job cost more CPU than a 1M-row job's work
(task engine, settings serialised per submit, state events and the API server's writes; see
docs/benchmarks.md), so the jobs are not task runs.
``cluster_threads`` says how many jobs the cluster runs at once, which sizes the splits and
the default partitions (one job per worker and step, when the data allows). ``scratch_for``
says where the jobs keep rows between steps: workers on other machines need a location all of
them reach.
"""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, TypeVar

from prefect.context import FlowRunContext
from prefect.logging import get_run_logger
from prefect.task_runners import TaskRunner

from tasks.prep.allocator import reuse_freed_memory
from tasks.prep.config import PrepRunConfig
from tasks.retries import BACKOFF_SECONDS, RETRIES, is_transient

# Dask settings of a preparation cluster. By default every scheduler, nanny and worker event
# loop ticks every 20 ms, each nanny reads its worker's memory every 100 ms, and each worker
# samples its own stacks 100 times a second for the dashboard's profiler: about 0.07 cores of
# a 2-worker local cluster's CPU while a preparation runs, against 0.02 with these (measured,
# docs/benchmarks.md). On an existing cluster, set them as DASK_ variables (docs/deploying.md).
QUIET_CLUSTER: dict[str, Any] = {
    "distributed.worker.profile.enabled": False,
    "distributed.admin.tick.interval": "1s",
    "distributed.worker.memory.monitor-interval": "1s",
    "distributed.admin.system-monitor.interval": "2s",
}
J = TypeVar("J")
R = TypeVar("R")


def dask_task_runner(run: PrepRunConfig) -> TaskRunner[Any]:
    """A task runner on the cluster at ``run.dask_address``, or on a new local cluster."""
    try:
        from prefect_dask import DaskTaskRunner
    except ImportError as missing:
        raise RuntimeError(
            "prep.runner 'dask' needs prefect-dask: install prefect-personalize[dask]"
        ) from missing
    runner: TaskRunner[Any]
    if run.dask_address:
        runner = DaskTaskRunner(address=run.dask_address)
        return runner
    runner = DaskTaskRunner(
        cluster_kwargs={
            "n_workers": run.dask_workers or os.cpu_count() or 1,
            "threads_per_worker": 1,
            "processes": True,
            "dashboard_address": None,
        }
    )
    return runner


@contextmanager
def quiet_cluster() -> Iterator[None]:
    """Within: a new Dask cluster's scheduler, nannies and workers take ``QUIET_CLUSTER``."""
    import dask.config  # installed: only a Dask run asks

    with dask.config.set(QUIET_CLUSTER):
        yield


def cluster_threads() -> int:
    """How many jobs the current flow's Dask cluster runs at once: its workers' threads."""
    context = FlowRunContext.get()
    runner = context.task_runner if context else None
    from prefect_dask import DaskTaskRunner  # installed: only a Dask-run flow asks

    if not isinstance(runner, DaskTaskRunner):
        return 1
    return max(1, sum(runner.client.nthreads().values()))


def scratch_for(run: PrepRunConfig, output_uri: str) -> str | None:
    """The configured scratch location; ``_scratch/`` under the output for a remote cluster."""
    if run.scratch_uri or not run.dask_address:
        return run.scratch_uri
    return f"{output_uri.rstrip('/')}/_scratch/"


@dataclass(frozen=True)
class JobRun:
    """One job as it ran: its step and number, the worker, and its seconds of wall time."""

    step: str
    job: int
    worker: str
    seconds: float


def run_job(step: Callable[[J], R], job: J) -> tuple[R, str, float]:
    """One job of a step on a worker, retried on transient errors; its result, worker, seconds."""
    started = time.perf_counter()
    attempt = 0
    while True:
        try:
            with reuse_freed_memory():  # Dask workers give memory back eagerly (``allocator.py``)
                result = step(job)
            return result, _worker_name(), time.perf_counter() - started
        except Exception as error:
            if attempt == RETRIES or not is_transient(error):
                raise
            time.sleep(BACKOFF_SECONDS * 2**attempt)
            attempt += 1


def _worker_name() -> str:
    from distributed import get_worker  # installed: only a Dask worker runs jobs this way

    try:
        return str(get_worker().name)
    except ValueError:  # not on a Dask worker
        return "here"


class ClusterMap:
    """Maps each step's jobs as Dask futures on the current flow's cluster; keeps ``JobRun``s."""

    def __init__(self) -> None:
        self.runs: list[JobRun] = []

    def __call__(self, step: Callable[[J], R], jobs: Sequence[J]) -> list[R]:
        """Every job of ``step`` on the cluster, results in order; logs the step and each job."""
        context = FlowRunContext.get()
        runner = context.task_runner if context else None
        client = getattr(runner, "client", None)
        if client is None:
            raise RuntimeError("ClusterMap runs inside a flow on a DaskTaskRunner")
        label = step.__name__.strip("_").replace("_", "-")
        logger = get_run_logger()
        started = time.perf_counter()
        token = uuid.uuid4().hex[:8]
        futures = [
            client.submit(run_job, step, job, key=f"{label}-{i}-{token}", pure=False)
            for i, job in enumerate(jobs)
        ]
        results: list[R] = []
        for i, (result, worker, seconds) in enumerate(client.gather(futures)):
            results.append(result)
            self.runs.append(JobRun(label, i, worker, seconds))
            logger.info("%s-%d: %.1f s on worker %s", label, i, seconds, worker)
        logger.info("%s: %d jobs in %.1f s", label, len(jobs), time.perf_counter() - started)
        return results
