"""Solution versions: ``train_solution_version`` trains (or attaches to a training) and waits.

A rerun attaches to the version already training for the solution (Personalize trains one at a
time per solution). Past the deadline the waiter calls StopSolutionVersionCreation, so a stuck
training stops costing money, and raises :class:`~tasks.waiter.WaitTimeoutError`.
"""

from __future__ import annotations

from typing import Literal

from tasks.aws import AwsSettings, client
from tasks.errors import translated
from tasks.reporting import run_logger
from tasks.resources import find, in_flight
from tasks.retries import personalize_task
from tasks.waiter import wait_for


@personalize_task()
def train_solution_version(
    aws: AwsSettings,
    solution_arn: str,
    training_mode: Literal["FULL", "UPDATE", "AUTOTRAIN"] = "FULL",
    deadline_seconds: float | None = None,
) -> str:
    """The ARN of the ACTIVE (trained) solution version."""
    personalize = client(aws, "personalize")
    logger = run_logger()
    running = find(personalize, "solution-version", in_flight, solution_arn)
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
        with translated(f"solution {solution_arn}"):
            response = personalize.create_solution_version(
                solutionArn=solution_arn, trainingMode=training_mode
            )
        arn = str(response["solutionVersionArn"])
        logger.info("Started training %s (%s)", arn, training_mode)
    wait_for(personalize, "solution-version", arn, deadline_seconds=deadline_seconds)
    return arn


@personalize_task()
def stop_solution_version(aws: AwsSettings, solution_version_arn: str) -> None:
    """Ask Personalize to stop a training in progress (it ends CREATE STOPPED)."""
    personalize = client(aws, "personalize")
    with translated(f"solution version {solution_version_arn}"):
        personalize.stop_solution_version_creation(solutionVersionArn=solution_version_arn)
    run_logger().info("Asked to stop training %s", solution_version_arn)
