"""Solution versions waiting for review: ``newer_versions`` finds them, ``mark_reviewed`` notes
a stopped one so that the next review does not pay for the same comparison again.

Automatic training (``performAutoTraining``) creates versions without any flow; the
``review_versions`` flow gates them. A version a review stopped carries the tag
``REVIEW_TAG: stopped`` (TagResource), which AWS keeps with the version.
"""

from __future__ import annotations

import hashlib
from typing import Any

from tasks.aws import AwsSettings, client
from tasks.errors import translated
from tasks.resources import find_all
from tasks.retries import personalize_task
from tasks.waiter import describe

REVIEW_TAG = "personalize-pipeline:review"
INPUTS_TAG = "personalize-pipeline:review-inputs"
"""What the verdict was reached on (a digest of the serving version and the gate's settings)."""


@personalize_task()
def newer_versions(aws: AwsSettings, solution_arn: str, serving_arn: str | None) -> list[str]:
    """ARNs of the solution's ACTIVE versions created after ``serving_arn``, newest first,
    leaving out the ones an earlier review stopped."""
    personalize = client(aws, "personalize")
    since = (
        describe(personalize, "solution-version", serving_arn)["creationDateTime"]
        if serving_arn
        else None
    )
    versions = find_all(personalize, "solution-version", solution_arn)
    fresh = [
        v
        for v in versions
        if v.get("status") == "ACTIVE"
        and v["solutionVersionArn"] != serving_arn
        and (since is None or v["creationDateTime"] > since)
    ]
    fresh.sort(key=lambda v: v["creationDateTime"], reverse=True)
    return [v["solutionVersionArn"] for v in fresh if not _stopped(personalize, v)]


def _stopped(personalize: Any, version: dict[str, Any]) -> bool:
    arn = version["solutionVersionArn"]
    with translated(f"tags of {arn}"):
        tags = personalize.list_tags_for_resource(resourceArn=arn)["tags"]
    return any(t["tagKey"] == REVIEW_TAG and t["tagValue"] == "stopped" for t in tags)


@personalize_task()
def mark_reviewed(aws: AwsSettings, version_arn: str, verdict: str, inputs: str = "") -> None:
    """Tag the version with the review's verdict (``stopped`` makes the next review skip it) and
    the digest of what it was reached on."""
    tags = [{"tagKey": REVIEW_TAG, "tagValue": verdict}]
    if inputs:
        tags.append({"tagKey": INPUTS_TAG, "tagValue": inputs})
    with translated(f"tags of {version_arn}"):
        client(aws, "personalize").tag_resource(resourceArn=version_arn, tags=tags)  # type: ignore[arg-type]


@personalize_task()
def earlier_verdict(aws: AwsSettings, version_arn: str) -> tuple[str | None, str | None]:
    """The verdict an earlier review tagged the version with, and the digest of its inputs."""
    with translated(f"tags of {version_arn}"):
        tags = client(aws, "personalize").list_tags_for_resource(resourceArn=version_arn)["tags"]
    found = {t["tagKey"]: t["tagValue"] for t in tags}
    return found.get(REVIEW_TAG), found.get(INPUTS_TAG)


def review_inputs(serving_version: str | None, gate: Any) -> str:
    """A digest of what a gate's verdict depends on besides the version itself: the version
    serving and the gate's settings (a pydantic model, or None)."""
    settings = gate.model_dump_json() if gate is not None else "null"
    text = f"{serving_version or 'none'}|{settings}"
    return hashlib.sha256(text.encode()).hexdigest()[:32]
