"""The deployments of ``prefect.yaml``, deployed to another work pool (ECS, Kubernetes...).

    python -m deployments.to_pool --pool personalize-k8s --image REGISTRY/prefect-personalize:TAG

``prefect.yaml`` targets the local process pool and records the checkout as the runs' working
directory. For a pool whose runs start from the project's image, ``deploy_to_pool`` writes a
copy of it in which every deployment (same name, schedule, trigger, parameters) names that
pool, carries the given job variables (the image) and starts in the image's project directory
(``IMAGE_WORKDIR``, the ``Dockerfile``'s ``WORKDIR``), then runs ``prefect deploy --all`` on the
copy. Deploying again to the process pool (``python -m deployments.deploy``) moves them back.
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path
from typing import Any

import yaml

from deployments.deploy import deploy_all
from tasks.command_line import command_parser

IMAGE_WORKDIR = "/opt/prefect-personalize"


def for_pool(
    project: dict[str, Any], pool: str, job_variables: dict[str, Any], workdir: str
) -> dict[str, Any]:
    """``prefect.yaml``'s content with every deployment on ``pool``, run from ``workdir``."""
    derived = json.loads(json.dumps(project))  # a deep copy, without YAML anchors
    derived["pull"] = [{"prefect.deployments.steps.set_working_directory": {"directory": workdir}}]
    for deployment in derived["deployments"]:
        variables = {**deployment.get("work_pool", {}).get("job_variables", {}), **job_variables}
        deployment["work_pool"] = {
            "name": pool,
            "work_queue_name": "default",
            "job_variables": variables,
        }
    return derived


def deploy_to_pool(
    project_dir: Path, pool: str, job_variables: dict[str, Any], workdir: str = IMAGE_WORKDIR
) -> str:
    """Deploy every deployment of ``project_dir/prefect.yaml`` to ``pool``; the CLI's output."""
    project = yaml.safe_load((project_dir / "prefect.yaml").read_text())
    with tempfile.TemporaryDirectory(prefix="deploy-") as work:
        derived = Path(work) / "prefect.yaml"
        derived.write_text(yaml.safe_dump(for_pool(project, pool, job_variables, workdir)))
        return deploy_all(project_dir, extra_args=("--prefect-file", str(derived)))


def main(argv: list[str] | None = None) -> int:
    """Entry point: deploy everything to an existing pool with the given image."""
    parser = command_parser("python -m deployments.to_pool", __doc__)
    parser.add_argument("--pool", required=True, help="an existing work pool")
    parser.add_argument("--image", required=True, help="the project's image (Dockerfile)")
    parser.add_argument("--workdir", default=IMAGE_WORKDIR, help="the project's folder in it")
    args = parser.parse_args(argv)
    print(deploy_to_pool(Path.cwd(), args.pool, {"image": args.image}, args.workdir))
    return 0


if __name__ == "__main__":
    sys.exit(main())
