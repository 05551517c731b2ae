"""The process work pool the deployments run on, with the environment its flow runs get.

For the local stack the pool's default environment holds the local service's
``AWS_ENDPOINT_URL_*`` variables, so every run (whichever worker picks it up) reaches the local
Personalize service and its S3; against real AWS the pool is created without them.
"""

from __future__ import annotations

import copy
from typing import Any

from prefect.client.orchestration import get_client
from prefect.client.schemas.actions import WorkPoolCreate
from prefect.workers.process import ProcessWorker

WORK_POOL = "personalize"
"""The pool ``prefect.yaml`` deploys to."""


def base_job_template(env: dict[str, str]) -> dict[str, Any]:
    """The process worker's default job template, with ``env`` as the runs' default environment.

    A deployment's own ``job_variables.env`` is merged on top of it by the worker.
    """
    template = copy.deepcopy(ProcessWorker.get_default_base_job_template())
    template["variables"]["properties"]["env"]["default"] = dict(env)
    return template


async def ensure_work_pool(name: str = WORK_POOL, env: dict[str, str] | None = None) -> None:
    """Create the process work pool, or bring an existing one's job template up to date."""
    pool = WorkPoolCreate(name=name, type="process", base_job_template=base_job_template(env or {}))
    async with get_client() as client:
        await client.create_work_pool(pool, overwrite=True)
