"""``make demo``: start the local Personalize service and walk through what it holds."""

from __future__ import annotations

import tempfile
from pathlib import Path

import boto3

from emulator.process import LocalService


def main() -> None:
    """Start the service, create a dataset group, and list what exists."""
    with tempfile.TemporaryDirectory() as tmp, LocalService(Path(tmp)) as service:
        service.apply_env()
        personalize = boto3.client("personalize")
        arn = personalize.create_dataset_group(name="demo")["datasetGroupArn"]
        print(f"Created {arn}")
        for group in personalize.list_dataset_groups()["datasetGroups"]:
            print(f"  {group['name']}: {group['status']}")


if __name__ == "__main__":
    main()
