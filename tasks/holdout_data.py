"""What data a solution version trained on, and the gate's holdouts beside import files.

Data preparation writes a data report (``<type>.report.json``: time span, the holdout's cutoff)
and, when asked, the gate's holdout (``<type>.holdout.csv``) beside each import file. From the
dataset's finished import jobs and those files:

1. :func:`trained_on`: the imports in effect when a version was created (the last FULL one and
   the INCREMENTAL ones after it), hence the latest TIMESTAMP it trained on and the holdout its
   last import set aside; None when an import has no report (made without data preparation).
2. :func:`latest_holdout`: the holdout beside the import in effect now (never imported, so no
   version has trained on it), for gating versions trained outside any flow.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pandas as pd

from tasks.aws import AwsSettings, client
from tasks.dataset_imports import finished_imports
from tasks.prep.holdout import Holdout, PreviousHoldout, holdout_uri, is_holdout_file
from tasks.prep.report import data_report
from tasks.retries import personalize_task
from tasks.waiter import describe


@dataclass(frozen=True)
class TrainedOn:
    """What a version's interaction data was: its latest TIMESTAMP, and the holdout its last
    import set aside (None if none)."""

    end: int
    holdout: PreviousHoldout | None = None


@personalize_task()
def trained_on(aws: AwsSettings, dataset_arn: str, version_arn: str) -> TrainedOn | None:
    """The data a version trained on, from the reports of the imports in effect when it was
    created; None when one of them has no report (an import made without data preparation)."""
    version = describe(client(aws, "personalize"), "solution-version", version_arn)
    # Held-out rows imported after a gate have no report: the one of their import covers them.
    in_effect = [
        job
        for job in imports_in_effect(aws, dataset_arn, _when(version["creationDateTime"]))
        if not is_holdout_file(_location(job))
    ]
    reports = [data_report(_location(job)) for job in in_effect]
    ends = [int(r["time_end"]) for r in reports if r is not None and r.get("time_end") is not None]
    if not reports or len(ends) < len(reports):
        return None
    held = _held_beside(_location(in_effect[-1]), reports[-1])
    previous = PreviousHoldout(cutoff=held[0], users=sorted(held[1].unique())) if held else None
    return TrainedOn(max(ends), previous)


def _held_beside(import_uri: str, report: dict[str, Any] | None) -> tuple[int, pd.Series] | None:
    """(cutoff, USER_ID of each row) of the holdout set aside beside an import file, if any."""
    cutoff = report.get("holdout_cutoff") if report else None
    if cutoff is None:
        return None
    try:
        users = pd.read_csv(holdout_uri(import_uri), usecols=["USER_ID"], dtype=str)["USER_ID"]
    except (OSError, ValueError):
        return None
    return int(cutoff), users


@personalize_task()
def latest_holdout(aws: AwsSettings, dataset_arn: str) -> Holdout | None:
    """The holdout beside the dataset's latest import file (never imported, so no version has
    trained on it), None when that import has none."""
    now = datetime.now(UTC).timestamp()
    jobs = [
        j for j in imports_in_effect(aws, dataset_arn, now) if not is_holdout_file(_location(j))
    ]
    if not jobs:
        return None
    import_uri = _location(jobs[-1])
    held = _held_beside(import_uri, data_report(import_uri))
    if held is None:
        return None
    cutoff, users = held
    return Holdout(
        uri=holdout_uri(import_uri), cutoff=cutoff, users=users.nunique(), rows=len(users)
    )


def _when(value: Any) -> float:
    """A boto3 datetime (or epoch number) as epoch seconds."""
    return value.timestamp() if isinstance(value, datetime) else float(value)


def imports_in_effect(aws: AwsSettings, dataset_arn: str, when: float) -> list[dict[str, Any]]:
    """The finished imports the dataset's bulk rows came from at ``when`` (epoch seconds): the
    last FULL one and the INCREMENTAL ones after it, oldest first."""
    jobs = [j for j in finished_imports(aws, dataset_arn) if _when(j["creationDateTime"]) < when]
    full = [i for i, job in enumerate(jobs) if job.get("importMode", "FULL") == "FULL"]
    return jobs[full[-1] :] if full else jobs


def _location(job: dict[str, Any]) -> str:
    """The S3 location an import job read."""
    return str(job["dataSource"]["dataLocation"])
