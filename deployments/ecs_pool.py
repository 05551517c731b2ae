"""The AWS ECS work pool (prefect-aws's ECS worker): flow runs as Fargate tasks of our image.

    python -m deployments.ecs_pool --image ACCOUNT.dkr.ecr.REGION.amazonaws.com/prefect-personalize:TAG \\
        --cluster personalize --execution-role-arn arn:aws:iam::...:role/ecsTaskExecutionRole \\
        --task-role-arn arn:aws:iam::...:role/PersonalizeFlows [--vpc-id vpc-...] [--no-deploy]

1. The pool ``personalize-ecs`` is created (or its job template brought up to date) from the ECS
   worker's default base job template, with this project's defaults: the image (``Dockerfile``
   at the repository root), the cluster, Fargate, 2 vCPU and 8 GiB per flow run (enough for
   data preparation on the default runner, which keeps memory flat), the task role whose
   permissions are ``deployments/iam-policy.json``, CloudWatch logs.
2. Unless ``--no-deploy``, every deployment of ``prefect.yaml`` is deployed to it
   (``deployments.to_pool``): the same names, schedules, triggers and parameters, now run by an
   ECS worker (``prefect worker start --pool personalize-ecs --type ecs``, itself run anywhere
   that reaches the Prefect API and AWS, e.g. as an ECS service from the same image).

The process pool (``deployments/work_pool.py``) stays the local default.
"""

from __future__ import annotations

import asyncio
import copy
import sys
from pathlib import Path
from typing import Any

from prefect.client.orchestration import get_client
from prefect.client.schemas.actions import WorkPoolCreate
from prefect_aws.workers.ecs_worker import ECSWorker

from deployments.to_pool import IMAGE_WORKDIR, deploy_to_pool
from tasks.command_line import command_parser

ECS_POOL = "personalize-ecs"
DEFAULTS: dict[str, Any] = {
    "launch_type": "FARGATE",
    "cpu": 2048,
    "memory": 8192,
    "configure_cloudwatch_logs": True,
    "cloudwatch_logs_prefix": "prefect-personalize",
}


def ecs_job_template(image: str, cluster: str, **settings: Any) -> dict[str, Any]:
    """The ECS worker's default base job template with this project's defaults and ``settings``.

    ``settings`` are any of the template's variables (``task_role_arn``, ``vpc_id``...); those
    left None keep the worker's default.
    """
    template = copy.deepcopy(ECSWorker.get_default_base_job_template())
    properties = template["variables"]["properties"]
    chosen = {**DEFAULTS, "image": image, "cluster": cluster, **settings}
    for name, value in chosen.items():
        if name not in properties:
            raise ValueError(f"{name} is not a variable of the ECS job template")
        if value is not None:
            properties[name]["default"] = value
    return template


async def ensure_ecs_pool(image: str, cluster: str, name: str = ECS_POOL, **settings: Any) -> None:
    """Create the ECS work pool, or bring an existing one's job template up to date."""
    pool = WorkPoolCreate(
        name=name,
        type=ECSWorker.type,
        base_job_template=ecs_job_template(image, cluster, **settings),
    )
    async with get_client() as client:
        await client.create_work_pool(pool, overwrite=True)


def main(argv: list[str] | None = None) -> int:
    """Entry point: create the ECS pool, then deploy every deployment to it."""
    parser = command_parser("python -m deployments.ecs_pool", __doc__)
    parser.add_argument("--image", required=True, help="the project's image (Dockerfile)")
    parser.add_argument("--cluster", required=True, help="ECS cluster name or ARN")
    parser.add_argument("--pool", default=ECS_POOL, help="the work pool to create or update")
    parser.add_argument("--task-role-arn", help="the role flow runs act as (iam-policy.json)")
    parser.add_argument("--execution-role-arn", help="the role ECS pulls the image and logs as")
    parser.add_argument("--vpc-id", help="default: the account's default VPC")
    parser.add_argument(
        "--cpu", type=int, default=DEFAULTS["cpu"], help="CPU units per flow run (1024: 1 vCPU)"
    )
    parser.add_argument("--memory", type=int, default=DEFAULTS["memory"], help="MiB per flow run")
    parser.add_argument("--no-deploy", action="store_true", help="only create the pool")
    args = parser.parse_args(argv)
    asyncio.run(
        ensure_ecs_pool(
            args.image,
            args.cluster,
            args.pool,
            task_role_arn=args.task_role_arn,
            execution_role_arn=args.execution_role_arn,
            vpc_id=args.vpc_id,
            cpu=args.cpu,
            memory=args.memory,
        )
    )
    print(f"Work pool {args.pool!r} ready (ecs, image {args.image}).")
    if not args.no_deploy:
        print(deploy_to_pool(Path.cwd(), args.pool, {"image": args.image}, IMAGE_WORKDIR))
    return 0


if __name__ == "__main__":
    sys.exit(main())
