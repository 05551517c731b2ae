"""What became of each solution in a retraining run.

1. Every selected solution is trained: :class:`Trained` holds its new version and metrics.
2. When the run's data is unchanged and the version is the one already serving (or, without a
   campaign, one trained before the run), there is nothing to gate: ``unchanged``.
   Otherwise a solution with a campaign goes gate -> approval (when asked for) -> promotion -> batch
   refresh; the step that stops it (or the end) gives its :class:`SolutionOutcome` a ``status``.
3. An outcome with a ``problem`` fails the run; the lineage is built from the outcomes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from flows.promote import Promotion, PromotionApproval
from tasks.config import SolutionConfig
from tasks.gate import GateDecision

Status = Literal[
    "trained",
    "unchanged",
    "stopped by the gate",
    "stopped before",
    "not approved",
    "promotion failed",
    "promoted",
]


@dataclass(frozen=True)
class Trained:
    """A solution's new version, trained in this run, and its offline metrics."""

    solution: SolutionConfig
    arn: str
    version: str
    metrics: dict[str, float]

    @property
    def name(self) -> str:
        """The solution's name."""
        return self.solution.name


@dataclass(frozen=True)
class SolutionOutcome:
    """How far one solution's new version went, and what each step decided."""

    trained: Trained
    status: Status
    gate: GateDecision | None = None
    approval: PromotionApproval | None = None
    promotion: Promotion | None = None
    batch: dict[str, Any] | None = None

    @property
    def problem(self) -> str | None:
        """Why the run fails because of this solution, or None."""
        if self.status == "stopped by the gate" and self.gate is not None:
            return self.gate.summary()
        if self.status == "stopped before":
            return (
                f"{self.trained.version} stays stopped: the gate stopped it before against the "
                "same serving version and gate settings, and nothing it decided on has changed"
            )
        if self.status == "not approved":
            return f"promotion of {self.trained.version} was not approved"
        if self.status == "promotion failed" and self.promotion is not None:
            return self.promotion.message
        return None


DatasetAction = Literal["accepted", "unchanged", "restored", "kept", "nothing accepted"]
"""What became of a dataset's data when a run ended (:mod:`flows.restore`)."""


@dataclass
class DatasetAfter:
    """What became of one dataset's data when the run ended."""

    dataset_type: str
    action: DatasetAction
    detail: str
    jobs: list[str] = field(default_factory=list)

    def summary(self) -> str:
        """One clause for the run's message, e.g. "interactions restored to the accepted data
        (1 import)"."""
        return f"{self.dataset_type} {self.detail}"
