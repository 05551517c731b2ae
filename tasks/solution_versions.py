"""Solution versions: ``train_solution_version`` trains (or attaches to a training) and waits.

1. A rerun attaches to the version already training for the solution (Personalize trains one
   at a time per solution).
2. Given ``data_since`` (when the data it would train on was last imported), a rerun also uses
   an ACTIVE version of the same training mode created after that: the training finished while
   the flow was down, and a second one on identical data would cost hours on AWS.
3. Otherwise it starts a training. Past the deadline the waiter calls
   StopSolutionVersionCreation, so a stuck training stops costing money, and raises
   :class:`~tasks.waiter.WaitTimeoutError`.
4. Versions that automatic training created (``trainingType`` AUTOMATIC) are never taken as
   this run's version: one in flight is waited out (Personalize trains one version at a time
   per solution; one that starts between the listing and CreateSolutionVersion answers
   ResourceInUseException, then is waited out too) and this run then trains its own on the
   data it imported; the ``review_versions`` flow gates automatic versions.
"""

from __future__ import annotations

from contextlib import suppress
from datetime import datetime
from typing import Any, Literal

from tasks.aws import AwsSettings, client
from tasks.errors import PersonalizeError, translated
from tasks.reporting import run_logger
from tasks.resources import find_all, in_flight
from tasks.retries import personalize_task
from tasks.waiter import ResourceFailedError, wait_for


@personalize_task()
def train_solution_version(
    aws: AwsSettings,
    solution_arn: str,
    training_mode: Literal["FULL", "UPDATE", "AUTOTRAIN"] = "FULL",
    deadline_seconds: float | None = None,
    data_since: datetime | None = None,
) -> str:
    """The ARN of the ACTIVE (trained) solution version."""
    personalize = client(aws, "personalize")
    logger = run_logger()
    versions = find_all(personalize, "solution-version", solution_arn)
    running = next((v for v in versions if in_flight(v)), None)
    if running is not None and _automatic(running):
        _wait_out(personalize, running, deadline_seconds)
        running = None
    trained = _trained_since(versions, training_mode, data_since)
    if running is None and trained is not None:
        arn = str(trained["solutionVersionArn"])
        logger.info(
            "Using %s: trained (%s) at %s, after the data's latest import at %s; "
            "not training again on the same data",
            arn,
            training_mode,
            trained["creationDateTime"],
            data_since,
        )
        return arn
    if running:
        arn = str(running["solutionVersionArn"])
        if running.get("trainingMode") not in (None, training_mode):
            logger.warning(
                "The training already running (%s) is %s, not %s; attaching to it anyway",
                arn,
                running.get("trainingMode"),
                training_mode,
            )
        logger.info("Attaching to the training already running: %s", arn)
    else:
        arn = _start(personalize, solution_arn, training_mode, deadline_seconds)
        logger.info("Started training %s (%s)", arn, training_mode)
    wait_for(personalize, "solution-version", arn, deadline_seconds=deadline_seconds)
    return arn


def _trained_since(
    versions: list[dict[str, Any]], training_mode: str, since: datetime | None
) -> dict[str, Any] | None:
    """The newest ACTIVE version of ``training_mode`` created after ``since``, if any."""
    if since is None:
        return None
    fresh = [
        v
        for v in versions
        if v.get("status") == "ACTIVE"
        and not _automatic(v)
        and v.get("trainingMode", "FULL") == training_mode
        and v["creationDateTime"] > since
    ]
    return max(fresh, key=lambda v: v["creationDateTime"], default=None)


def _start(personalize: Any, solution_arn: str, mode: str, deadline_seconds: float | None) -> str:
    """Start a training; if an automatic one started since the versions were listed
    (ResourceInUseException), wait it out and start again, once."""
    try:
        return _create(personalize, solution_arn, mode)
    except PersonalizeError as error:
        versions = find_all(personalize, "solution-version", solution_arn)
        automatic = next((v for v in versions if in_flight(v) and _automatic(v)), None)
        if error.code != "ResourceInUseException" or automatic is None:
            raise
    _wait_out(personalize, automatic, deadline_seconds)
    return _create(personalize, solution_arn, mode)


def _create(personalize: Any, solution_arn: str, mode: str) -> str:
    with translated(f"solution {solution_arn}"):
        response = personalize.create_solution_version(solutionArn=solution_arn, trainingMode=mode)
    return str(response["solutionVersionArn"])


def _wait_out(personalize: Any, version: dict[str, Any], deadline_seconds: float | None) -> None:
    """Wait for an automatic training to end, whatever its outcome."""
    arn = str(version["solutionVersionArn"])
    run_logger().info("Waiting for the automatic training %s to end before training", arn)
    with suppress(ResourceFailedError):  # its failure is not this run's: train anyway
        wait_for(personalize, "solution-version", arn, deadline_seconds=deadline_seconds)


def _automatic(version: dict[str, Any]) -> bool:
    """True for a version automatic training created (SolutionVersionSummary.trainingType)."""
    return version.get("trainingType") == "AUTOMATIC"


@personalize_task()
def stop_solution_version(aws: AwsSettings, solution_version_arn: str) -> None:
    """Ask Personalize to stop a training in progress (it ends CREATE STOPPED)."""
    personalize = client(aws, "personalize")
    with translated(f"solution version {solution_version_arn}"):
        personalize.stop_solution_version_creation(solutionVersionArn=solution_version_arn)
    run_logger().info("Asked to stop training %s", solution_version_arn)
