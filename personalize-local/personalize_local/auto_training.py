"""When a solution's automatic training is due, as Personalize schedules it.

1. ``performAutoTraining`` defaults to true (botocore's CreateSolutionRequest.performAutoTraining:
   "The default is True and the solution automatically creates new solution versions every 7
   days"); ``solutionConfig.autoTrainingConfig.schedulingExpression`` (``rate(N days)``, N from
   1 to 30, botocore's AutoTrainingConfig) changes the period.
2. "Automatic solution version creation starts within one hour after the solution is ACTIVE. If
   you manually create a solution version within the hour, the solution skips the first
   automatic training" (same member's documentation). An UpdateSolution that turns it on starts
   the hour again when the update completes (UpdateSolutionRequest.performAutoTraining).
3. Trainings then fall on slots one period apart; a missed slot is not caught up twice.
4. "Automatic training occurs only if you imported bulk or real-time interaction data since the
   last training" (developer guide, Configuring automatic training).
5. Real durations are scaled by ``--latency`` (an hour at 0.000002 is 7 ms, a day 0.17 s);
   with ``--latency instant`` nothing is ever due.
"""

from __future__ import annotations

import math
import re
from typing import Any

from personalize_local.records import Solution, SolutionVersion

FIRST_AFTER_SECONDS = 3600
DEFAULT_DAYS = 7
MAX_DAYS = 30
DAY_SECONDS = 86_400
_RATE = re.compile(r"rate\((\d+) days?\)")


def period_days(solution_config: dict[str, Any]) -> int:
    """The days between automatic trainings; ValueError naming the fix for a bad expression."""
    expression = (solution_config.get("autoTrainingConfig") or {}).get("schedulingExpression")
    if expression is None:
        return DEFAULT_DAYS
    found = _RATE.fullmatch(expression)
    days = int(found.group(1)) if found else 0
    if not 1 <= days <= MAX_DAYS:
        raise ValueError(
            f"autoTrainingConfig.schedulingExpression {expression!r}: give rate(N days) with N "
            f"from 1 to {MAX_DAYS}, e.g. rate(7 days)."
        )
    return days


def started_at(solution: Solution) -> float:
    """When the solution's automatic training (re)started: creation, or the update turning it on."""
    update = solution.get("latestSolutionUpdate") or {}
    if update.get("status") == "ACTIVE" and (
        update.get("performAutoTraining") or "autoTrainingConfig" in update.get(
            "solutionUpdateConfig", {})
    ):  # fmt: skip
        return float(update["lastUpdatedDateTime"])
    return float(solution["creationDateTime"])


def due_slot(solution: Solution, now: float, latency: float) -> int | None:
    """The number of the newest slot that has begun (0 the first), or None before it or never."""
    if latency <= 0 or not solution.get("performAutoTraining") or solution["status"] != "ACTIVE":
        return None
    first = started_at(solution) + FIRST_AFTER_SECONDS * latency
    if now < first:
        return None
    period = period_days(solution.get("solutionConfig") or {}) * DAY_SECONDS * latency
    return math.floor((now - first) / period)


def skips_first(solution: Solution, versions: list[SolutionVersion], latency: float) -> bool:
    """True when a version was created manually within the hour before the first slot."""
    start = started_at(solution)
    first = start + FIRST_AFTER_SECONDS * latency
    return any(
        v.get("trainingType") == "MANUAL" and start <= v["creationDateTime"] <= first
        for v in versions
    )
