"""Where preparation's steps run: Prefect tasks mapped on a Dask task runner (prefect-dask).

``dask_task_runner`` builds the runner from the configuration's ``prep`` section: a local
Dask cluster of worker processes (one per core unless ``dask_workers`` says otherwise, one
thread each, since every job is a stream of vectorised work), or the existing cluster at
``dask_address``. ``map_as_tasks`` hands each job of a step to the flow's task runner as a
Prefect task run (``route-split-3``, ``write-partition-0``...), so the UI shows every job, and
logs each step's elapsed time; every job runs with the allocator settings of ``allocator.py``.
``cluster_threads`` says how many jobs the cluster runs at once, which sizes the splits and
the default partitions (one job per worker and step, when the data allows). ``scratch_for``
says where the jobs keep rows between steps: workers on other machines need a location all of
them reach.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from prefect.context import FlowRunContext
from prefect.logging import get_run_logger
from prefect.task_runners import TaskRunner

from tasks.prep.allocator import reuse_freed_memory
from tasks.prep.config import PrepRunConfig
from tasks.retries import personalize_task

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


@personalize_task(name="prep-step")
def prep_step(step: Callable[[Any], Any], job: Any) -> Any:
    """One job of a preparation step, wherever the task runner runs it."""
    with reuse_freed_memory():  # Dask workers give memory back eagerly (``allocator.py``)
        return step(job)


def map_as_tasks(step: Callable[[J], R], jobs: Sequence[J]) -> list[R]:
    """Every job of ``step`` as a Prefect task on the current flow's task runner, in order."""
    label = step.__name__.strip("_").replace("_", "-")
    started = time.perf_counter()
    futures = [
        prep_step.with_options(name=label, task_run_name=f"{label}-{i}").submit(step, job)
        for i, job in enumerate(jobs)
    ]
    results: list[R] = [future.result() for future in futures]
    get_run_logger().info("%s: %d jobs in %.1f s", label, len(jobs), time.perf_counter() - started)
    return results
