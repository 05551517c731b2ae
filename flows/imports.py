"""What a dataset has imported, and the import-once rule.

A rerun (after a crash, or on an unchanged export) prepares the same import file again; when
the dataset's latest finished import read a file with the same content (same ETag) in the same
mode, importing it again would only cost time (FULL) or duplicate rows (INCREMENTAL), so the
run reuses that import (:func:`unchanged_import`).
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from flows.lineage import etag
from tasks.aws import AwsSettings
from tasks.dataset_imports import finished_imports


def unchanged_import(
    aws: AwsSettings, dataset_arn: str, import_etag: str | None, mode: str
) -> dict[str, Any] | None:
    """The dataset's latest finished import, if it read the same content in the same mode."""
    jobs = finished_imports(aws, dataset_arn)
    if not jobs or import_etag is None:
        return None
    latest = jobs[-1]
    same = latest.get("importMode", "FULL") == mode and etag(location(latest)) == import_etag
    return latest if same else None


def current_imports(aws: AwsSettings, dataset_arn: str) -> list[dict[str, Any]]:
    """The imports that make up the dataset now: the last FULL one and the INCREMENTAL after it."""
    jobs = finished_imports(aws, dataset_arn)
    full = [i for i, job in enumerate(jobs) if job.get("importMode", "FULL") == "FULL"]
    return jobs[full[-1] :] if full else jobs


def location(job: dict[str, Any]) -> str:
    """The S3 location an import job read."""
    return str(job["dataSource"]["dataLocation"])


def sample_users_of(import_uri: str, count: int = 5) -> list[str]:
    """A few users of an interactions import file, for the smoke check after a promotion."""
    users = pd.read_csv(import_uri, usecols=["USER_ID"], dtype=str)["USER_ID"].drop_duplicates()
    return users.sample(min(count, len(users)), random_state=0).sort_values().tolist()
