"""The training budget: would this retrain take the dataset group past its monthly hours?

1. The hours used this calendar month (UTC) are the service's own: DescribeSolutionVersion's
   ``trainingHours`` of every version of the group's solutions created this month, automatic
   trainings included (docs/aws-facts.md#training-hours). A version still training, or one
   the service reports no hours for, is named in the message, never guessed.
2. The hours this training is expected to take are each solution's history: the median of its
   newest trainings of the same mode (any mode when it has none; Personalize's typical hour
   when it has never trained).
3. Over ``budget.training_hours_per_month``, the retrain stops before it imports or trains
   (:class:`BudgetExceeded`, an expected stop logged as one line).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from statistics import median
from typing import Any

from personalize_facts.durations import TYPICAL_SECONDS
from tasks.aws import AwsSettings, client
from tasks.config import PipelineConfig, SolutionConfig
from tasks.costs import as_utc, group_solutions
from tasks.errors import ExpectedStop
from tasks.resources import find_all

HISTORY = 5
"""How many of a solution's newest trainings its expected hours are the median of."""
TYPICAL_HOURS = TYPICAL_SECONDS["solution-version"] / 3600


class BudgetExceeded(ExpectedStop, RuntimeError):
    """A retrain would exceed the dataset group's training budget; nothing was changed."""


@dataclass
class MonthHours:
    """The training hours the service reports for this month's versions of a group."""

    month: str
    hours: float = 0.0
    versions: int = 0
    automatic: float = 0.0
    """Of ``hours``, those of versions automatic training created."""
    unreported: list[str] = field(default_factory=list)
    """Versions of this month the service reports no hours for (training, or failed)."""

    def summary(self) -> str:
        """One phrase: the hours, how many versions, the automatic share, what is missing."""
        text = (
            f"{self.hours:.4g} h used in {self.month} so far (the service's trainingHours of "
            f"{self.versions} version(s), {self.automatic:.4g} h of them automatic training)"
        )
        if self.unreported:
            text += f"; not reported yet: {', '.join(self.unreported)}"
        return text


@dataclass(frozen=True)
class Expected:
    """One solution's expected hours for this training, and what they are based on."""

    solution: str
    hours: float
    basis: str


def month_hours(aws: AwsSettings, dataset_group: str, now: datetime | None = None) -> MonthHours:
    """This month's training hours of every solution of the dataset group (none if it does
    not exist yet)."""
    now = now or datetime.now(UTC)
    start = now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    found = MonthHours(start.strftime("%Y-%m"))
    personalize = client(aws, "personalize")
    for solution in group_solutions(personalize, dataset_group).values():
        for summary in find_all(personalize, "solution-version", solution):
            created = as_utc(summary["creationDateTime"])
            if created is None or created < start:
                continue
            version = _describe(personalize, summary["solutionVersionArn"])
            hours = version.get("trainingHours")
            if hours is None:
                if version.get("status") != "CREATE FAILED":
                    found.unreported.append(
                        f"{summary['solutionVersionArn']} ({version['status']})"
                    )
                continue
            found.hours += float(hours)
            found.versions += 1
            if version.get("trainingType") == "AUTOMATIC":
                found.automatic += float(hours)
    return found


def expected_hours(
    aws: AwsSettings, dataset_group: str, solutions: Sequence[SolutionConfig]
) -> list[Expected]:
    """Each solution's expected hours for one training, from its own history."""
    personalize = client(aws, "personalize")
    arns = group_solutions(personalize, dataset_group)
    expected = []
    for solution in solutions:
        history = _history(personalize, arns.get(solution.name))
        same = [hours for mode, hours in history if mode == solution.training_mode]
        if same:
            basis = f"median of its last {len(same)} {solution.training_mode} training(s)"
            expected.append(Expected(solution.name, median(same), basis))
        elif history:
            basis = f"median of its last {len(history)} training(s)"
            expected.append(Expected(solution.name, median(h for _, h in history), basis))
        else:
            expected.append(Expected(solution.name, TYPICAL_HOURS, "no history: a typical hour"))
    return expected


def check_budget(config: PipelineConfig, solutions: Sequence[SolutionConfig]) -> None:
    """Raise :class:`BudgetExceeded` when training ``solutions`` would exceed the budget."""
    limit = config.budget.training_hours_per_month
    if limit is None:
        return
    group = config.dataset_group.name
    used = month_hours(config.aws, group)
    expected = expected_hours(config.aws, group, solutions)
    total = used.hours + sum(e.hours for e in expected)
    if total <= limit:
        return
    each = "; ".join(f"{e.solution} {e.hours:.4g} h ({e.basis})" for e in expected)
    raise BudgetExceeded(
        f"Training budget of dataset group {group}: budget.training_hours_per_month is "
        f"{limit:g}, and this retrain would bring {used.month} to {total:.4g} h: "
        f"{used.summary()}, plus {sum(e.hours for e in expected):.4g} h expected ({each}). "
        "Nothing was imported or trained. Raise budget.training_hours_per_month, train fewer "
        "solutions (the solutions parameter), or wait for next month."
    )


def budget_status(config: PipelineConfig) -> str:
    """This month's training hours against the budget, automatic training included ("" when no
    budget is set); over it, the phrase says so."""
    limit = config.budget.training_hours_per_month
    if limit is None:
        return ""
    used = month_hours(config.aws, config.dataset_group.name)
    over = " (over budget.training_hours_per_month)" if used.hours > limit else ""
    return f"training budget {limit:g} h: {used.summary()}{over}"


def _history(personalize: Any, solution_arn: str | None) -> list[tuple[str, float]]:
    """(training mode, hours) of the solution's newest trainings that report hours."""
    if solution_arn is None:
        return []
    summaries = find_all(personalize, "solution-version", solution_arn)
    newest = sorted(summaries, key=lambda s: str(as_utc(s["creationDateTime"])), reverse=True)
    history: list[tuple[str, float]] = []
    for summary in _active(newest):
        version = _describe(personalize, summary["solutionVersionArn"])
        if version.get("trainingHours") is not None:
            history.append((version.get("trainingMode", "FULL"), float(version["trainingHours"])))
        if len(history) == HISTORY:
            break
    return history


def _active(summaries: Iterable[dict[str, Any]]) -> Iterable[dict[str, Any]]:
    return (s for s in summaries if s.get("status") == "ACTIVE")


def _describe(personalize: Any, arn: str) -> dict[str, Any]:
    return dict(personalize.describe_solution_version(solutionVersionArn=arn)["solutionVersion"])
