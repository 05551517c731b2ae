"""Two versions measured on the same users: the difference per metric, with a bootstrap interval.

1. Both versions' per-user metrics (``tasks.holdout_metrics.per_user_metrics``) are aligned on
   the same users; a user missing from one side scores 0 there.
2. B resamples of the users (with replacement, the same resample for both versions: a paired
   bootstrap) are drawn at once as a B x users matrix of counts, so the mean of every metric
   of both versions in every resample is one matrix product.
3. Per metric: the means, the difference ``new - serving`` and the relative difference
   ``new / serving - 1``, each with its percentile interval at the chosen confidence.

Vectorised with numpy rather than ``scipy.stats.bootstrap``, which gathers a resampled copy of
the data per statistic: for 13 metrics, 5,000 users and 1,000 resamples it took 0.57 s for the
relative difference alone on the 2-core development machine, this 0.23 s for both differences.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd

Verdict = Literal["better", "worse", "no clear difference"]
CHUNK = 250
"""Resamples drawn per matrix product (bounds memory at CHUNK x users counts)."""


@dataclass(frozen=True)
class PairedDifference:
    """One metric of the new and the serving version on the same users, and how sure it is."""

    metric: str
    serving: float
    new: float
    difference_low: float
    difference_high: float
    relative_low: float
    relative_high: float
    users: int
    confidence: float

    @property
    def difference(self) -> float:
        """``new - serving``."""
        return self.new - self.serving

    @property
    def relative(self) -> float:
        """``new / serving - 1`` (0 when both are 0, +inf when only serving is 0)."""
        return float(_relative(np.array(self.new), np.array(self.serving)))

    @property
    def half_width(self) -> float:
        """Half the width of the relative interval: the smallest relative drop this comparison
        can tell from no change."""
        return (self.relative_high - self.relative_low) / 2

    @property
    def verdict(self) -> Verdict:
        """Better or worse when the interval of the difference excludes 0."""
        if self.difference_low > 0:
            return "better"
        if self.difference_high < 0:
            return "worse"
        return "no clear difference"

    def as_dict(self) -> dict[str, Any]:
        """Plain data, with the derived figures."""
        return {
            **asdict(self),
            "difference": self.difference,
            "relative": self.relative,
            "verdict": self.verdict,
            "half_width": self.half_width,
        }


def paired_bootstrap(
    new: pd.DataFrame,
    serving: pd.DataFrame,
    *,
    confidence: float = 0.95,
    resamples: int = 1000,
    seed: int = 0,
) -> dict[str, PairedDifference]:
    """Per metric (the columns both frames have), the paired difference and its intervals."""
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must be between 0 and 1, not {confidence}")
    metrics = [column for column in new.columns if column in serving.columns]
    users = new.index.union(serving.index)
    if len(users) == 0:
        raise ValueError("no users to compare on: the holdout is empty")
    ours = new.reindex(users, fill_value=0.0)[metrics].to_numpy(dtype=np.float64)
    theirs = serving.reindex(users, fill_value=0.0)[metrics].to_numpy(dtype=np.float64)
    means = resampled_means(np.hstack([ours, theirs]), resamples, seed)
    new_means, serving_means = means[:, : len(metrics)], means[:, len(metrics) :]
    tail = (1 - confidence) / 2 * 100
    bounds = (tail, 100 - tail)
    difference = np.percentile(new_means - serving_means, bounds, axis=0)
    with np.errstate(invalid="ignore"):  # +inf where a resample's serving mean is 0
        relative = np.percentile(_relative(new_means, serving_means), bounds, axis=0)
    return {
        metric: PairedDifference(
            metric=metric,
            serving=float(theirs[:, i].mean()),
            new=float(ours[:, i].mean()),
            difference_low=float(difference[0, i]),
            difference_high=float(difference[1, i]),
            relative_low=float(relative[0, i]),
            relative_high=float(relative[1, i]),
            users=len(users),
            confidence=confidence,
        )
        for i, metric in enumerate(metrics)
    }


def resampled_means(values: np.ndarray, resamples: int, seed: int = 0) -> np.ndarray:
    """Column means of ``values`` (users x columns) in each of ``resamples`` resamples of users."""
    rng = np.random.default_rng(seed)
    n = values.shape[0]
    columns = values.astype(np.float32)
    out = np.empty((resamples, values.shape[1]))
    for start in range(0, resamples, CHUNK):
        size = min(CHUNK, resamples - start)
        picks = rng.integers(0, n, (size, n)) + np.arange(size)[:, None] * n
        counts = np.bincount(picks.ravel(), minlength=size * n).reshape(size, n)
        out[start : start + size] = counts.astype(np.float32) @ columns / n
    return out


def _relative(new: np.ndarray, serving: np.ndarray) -> np.ndarray:
    """``new / serving - 1``, elementwise; 0 where both are 0, +inf where only serving is."""
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(serving == 0, np.where(new == 0, 0.0, np.inf), new / serving - 1)
    return np.asarray(ratio, dtype=np.float64)


def comparison_table(differences: Mapping[str, PairedDifference]) -> list[dict[str, str]]:
    """Rows a person reads: metric, verdict, relative [interval], serving, new, difference."""
    return [
        {
            "metric": d.metric,
            "verdict": d.verdict,
            "relative": f"{d.relative:+.1%} [{d.relative_low:+.1%}, {d.relative_high:+.1%}]",
            "serving": f"{d.serving:.4f}",
            "new": f"{d.new:.4f}",
            "difference": f"{d.difference:+.4f} [{d.difference_low:+.4f}, "
            f"{d.difference_high:+.4f}]",
        }
        for d in differences.values()
    ]


@dataclass(frozen=True)
class HoldoutComparison:
    """The new version against the serving one (and the baseline) on the same held-out users,
    or why there is no such comparison (``unavailable``)."""

    users: int = 0
    cutoff: int | None = None
    serving: Mapping[str, PairedDifference] = field(default_factory=dict)
    baseline: Mapping[str, PairedDifference] = field(default_factory=dict)
    coverage: Mapping[str, float] = field(default_factory=dict)
    unavailable: str = ""
    new_users: Mapping[str, PairedDifference] = field(default_factory=dict)
    """New against serving on the held-out users who had no interactions before the cutoff."""
    new_user_count: int = 0

    def to_dict(self) -> dict[str, Any]:
        """Plain data for lineage and flow results."""
        return {
            "users": self.users,
            "cutoff": self.cutoff,
            "unavailable": self.unavailable,
            "serving": [d.as_dict() for d in self.serving.values()],
            "baseline": [d.as_dict() for d in self.baseline.values()],
            "coverage": dict(self.coverage),
            "new_users": [d.as_dict() for d in self.new_users.values()],
            "new_user_count": self.new_user_count,
        }
