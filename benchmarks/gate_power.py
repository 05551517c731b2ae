"""How often each gate is right: the holdout gate against the GetSolutionMetrics gate.

    python -m benchmarks.gate_power [--retrains 20] [--users 8000] [--sizes 500 2000 5000]

1. One world from the demo's generator (``local.sample_data``: users in taste clusters,
   a popularity skew; ``--users`` users, ``--items`` items, ``--days`` days). Every export is
   a fresh sample of it (same world seed, a new sample seed): same distribution, new rows.
2. The serving version trains on one export up to the cutoff (``--holdout-days`` before its
   end), as if it had been trained a week ago.
3. Retrains: ``--retrains`` exports that are "equally good", then as many for each corruption
   level where that share of the interactions name a random item (a tracking bug). Each export
   goes through data preparation's own holdout rule (``tasks.prep.holdout.set_aside``: the
   largest ``--sizes`` users' interactions after the cutoff are set aside), and the rest
   trains the new version with the local service's training engine, in process (not over
   HTTP, so that ~100 trainings fit in minutes on 2 cores; the engine is the same code the
   service runs). Its GetSolutionMetrics figures come from its own random 10% of users, seeded
   by a version id per retrain, as the service does.
4. Holdout gate: both versions recommend 25 items for the held-out users (the engine's
   scores, as its batch inference does, no filter); per-user metrics and a paired bootstrap
   (``tasks.paired``); blocked when the lower bound of new/serving - 1 on NDCG@10 is at or below
   ``-max_drop``. Each trained pair is evaluated again on the smaller holdouts (the users with
   the smallest hashes, as a smaller ``max_users`` would choose).
5. Metrics gate: blocked when GetSolutionMetrics' NDCG@10 dropped by more than ``max_drop``
   (relative) against the serving version's own figure; at the demo's 25%, at 10%, and at the
   threshold that gives the same false alarms as each holdout setting (equal false alarms).

Prints every setting's false alarms (equally good, blocked) and regressions stopped per
corruption level, then the last line for the default setting (``HoldoutGateConfig``'s
``max_users`` and ``max_drop``, the metrics gate at the demo's 25%).
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

from local.sample_data import DEFAULT_START, generate_interactions
from personalize_local.engine.metrics import version_seed
from personalize_local.engine.model import Model, top_k_rows
from personalize_local.engine.training import train
from tasks.config import HoldoutGateConfig
from tasks.holdout_metrics import TOP, coverage, per_user_metrics
from tasks.paired import paired_bootstrap
from tasks.prep.fingerprint import hash_column
from tasks.prep.holdout import HoldoutSpec, set_aside

DAY = 86_400
METRIC = "normalized_discounted_cumulative_gain_at_10"
MODEL = "personalization"  # aws-user-personalization-v2's engine model
COLUMNS = pa.schema(
    [
        ("USER_ID", pa.string()),
        ("ITEM_ID", pa.string()),
        ("TIMESTAMP", pa.int64()),
        ("EVENT_TYPE", pa.string()),
    ]
)
STARTED = time.monotonic()


@dataclass
class Settings:
    """Sizes of the world and of the experiment."""

    users: int = 8000
    items: int = 400
    per_user: int = 12
    days: int = 28
    holdout_days: int = 7
    retrains: int = 20
    corruptions: tuple[float, ...] = (0.05, 0.10, 0.20, 0.30)
    sizes: tuple[int, ...] = (500, 2000, 5000)
    holdout_drops: tuple[float, ...] = (0.02, 0.03, 0.04, 0.05, 0.10)
    metric_drops: tuple[float, ...] = (0.10, 0.25)
    confidence: float = 0.95
    resamples: int = 1000

    @property
    def cutoff(self) -> int:
        """The serving version's data end, and the holdout's cutoff."""
        return DEFAULT_START + (self.days - self.holdout_days) * DAY


@dataclass
class Trial:
    """One retrain: the metrics gate's relative drop, and per holdout size the paired result
    (lower bound and change of new/serving - 1) against the holdout as logged and as it was."""

    metrics_drop: float
    held_users: int = 0
    lower: dict[int, float] = field(default_factory=dict)
    change: dict[int, float] = field(default_factory=dict)
    lower_true: dict[int, float] = field(default_factory=dict)
    change_true: dict[int, float] = field(default_factory=dict)
    half_width: dict[int, float] = field(default_factory=dict)
    coverage_fall: dict[int, float] = field(default_factory=dict)


def log(message: str) -> None:
    """A progress line with the seconds since the start."""
    print(f"[{time.monotonic() - STARTED:6.1f} s] {message}", flush=True)


def export(settings: Settings, sample: int) -> pd.DataFrame:
    """A fresh sample of the world (what users really did)."""
    return generate_interactions(
        settings.users,
        settings.items,
        settings.users * settings.per_user,
        seed=0,
        days=settings.days,
        sample_seed=sample,
    )


def corrupt(settings: Settings, frame: pd.DataFrame, share: float, seed: int) -> pd.DataFrame:
    """The export as a tracking bug logs it: ``share`` of the rows name a random item."""
    if not share:
        return frame
    rng = np.random.default_rng([seed, 7])
    broken = rng.random(len(frame)) < share
    logged = frame.copy()
    logged.loc[broken, "ITEM_ID"] = np.char.add(
        "i", rng.integers(0, settings.items, int(broken.sum())).astype(str)
    )
    return logged


def held_out(
    settings: Settings, frame: pd.DataFrame, work: Path
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(what is imported, the holdout) by data preparation's own rule, through CSV files."""
    uri = str(work / "interactions.csv")
    frame.to_csv(uri, index=False)
    spec = HoldoutSpec(days=settings.holdout_days, max_users=max(settings.sizes))
    holdout = set_aside(uri, COLUMNS, spec, int(frame["TIMESTAMP"].max()), new_users=False)
    dtypes = {"USER_ID": str, "ITEM_ID": str}
    return pd.read_csv(uri, dtype=dtypes), pd.read_csv(holdout.uri, dtype=dtypes)


def recommendations(model: Model, users: np.ndarray) -> pd.DataFrame:
    """The top 25 items per user (user, rank, item), as the engine's batch inference ranks."""
    rows = np.array([model.user_index.get(u, -1) for u in users])
    top, _ = top_k_rows(model.user_scores(rows), TOP)
    return pd.DataFrame(
        {
            "user": np.repeat(users, TOP),
            "rank": np.tile(np.arange(1, TOP + 1), len(users)),
            "item": model.item_ids[top.ravel()],
        }
    )


def smallest_hashes(users: np.ndarray, count: int) -> np.ndarray:
    """The ``count`` users with the smallest USER_ID hashes (what ``max_users=count`` keeps)."""
    order = np.argsort(hash_column(pa.array(users.astype(str))))
    return users[order[:count]]


def paired(
    settings: Settings, new: Model, old: Model, users: np.ndarray, held: pd.DataFrame
) -> tuple[float, float, float, float]:
    """(lower bound, change, half-width) of new/serving - 1 in NDCG@10 on ``held``, and the
    relative fall of catalogue coverage (top 25) from serving to new."""
    lists = recommendations(new, users), recommendations(old, users)
    ours = per_user_metrics(lists[0], held)[[METRIC]]
    theirs = per_user_metrics(lists[1], held)[[METRIC]]
    found = paired_bootstrap(
        ours, theirs, confidence=settings.confidence, resamples=settings.resamples, seed=len(users)
    )[METRIC]
    catalogue = sorted(set(new.item_ids) | set(old.item_ids))
    before = coverage(lists[1], catalogue)
    fall = 1 - coverage(lists[0], catalogue) / before if before else 0.0
    return found.relative_low, found.relative, found.half_width, fall


def run_trial(
    settings: Settings,
    serving: tuple[Model, dict[str, float]],
    catalogue: np.ndarray,
    truth: pd.DataFrame,
    logged: pd.DataFrame,
    version: str,
    work: Path,
) -> Trial:
    """Train a new version on the ``logged`` export and put it through both gates."""
    imported, holdout = held_out(settings, logged, work)
    trained = train(MODEL, imported, catalogue, {}, seed=version_seed(version))
    assert trained is not None
    serving_model, serving_metrics = serving
    before = serving_metrics[METRIC]
    trial = Trial(metrics_drop=(before - trained.metrics[METRIC]) / before)
    key = ["USER_ID", "TIMESTAMP"]
    true_holdout = truth.merge(holdout[key].drop_duplicates(), on=key)
    everyone = np.sort(holdout["USER_ID"].unique())
    trial.held_users = len(everyone)
    for size in settings.sizes:
        users = smallest_hashes(everyone, size)
        as_logged = holdout[holdout["USER_ID"].isin(users)]
        as_done = true_holdout[true_holdout["USER_ID"].isin(users)]
        (
            trial.lower[size],
            trial.change[size],
            trial.half_width[size],
            trial.coverage_fall[size],
        ) = paired(settings, trained.model, serving_model, users, as_logged)
        trial.lower_true[size], trial.change_true[size], _, _ = paired(
            settings, trained.model, serving_model, users, as_done
        )
    return trial


def run(settings: Settings) -> dict[float, list[Trial]]:
    """Every retrain of every corruption level (0 = equally good)."""
    catalogue = np.sort(np.array([f"i{i}" for i in range(settings.items)], dtype=object))
    first = export(settings, 0)
    past = first[first["TIMESTAMP"] <= settings.cutoff]
    serving = train(MODEL, past, catalogue, {}, seed=version_seed("serving"))
    assert serving is not None
    log(
        f"serving version trained on {len(past):,} interactions: NDCG@10 {serving.metrics[METRIC]:.4f}"
    )
    trials: dict[float, list[Trial]] = {}
    with tempfile.TemporaryDirectory(prefix="gate-power-") as work:
        for level, corruption in enumerate((0.0, *settings.corruptions)):
            trials[corruption] = []
            for r in range(settings.retrains):
                sample = 1000 * (level + 1) + r
                truth = export(settings, sample)
                logged = corrupt(settings, truth, corruption, sample)
                trial = run_trial(
                    settings, (serving.model, serving.metrics), catalogue, truth, logged,
                    f"bench/{corruption}/{r}", Path(work),
                )  # fmt: skip
                trials[corruption].append(trial)
            done = trials[corruption]
            largest = max(settings.sizes)
            changes = [t.change[largest] for t in done]
            true_changes = [t.change_true[largest] for t in done]
            drops = [t.metrics_drop for t in done]
            log(
                f"{corruption:.0%} corrupted: {settings.retrains} retrains, "
                f"{min(t.held_users for t in done)}+ users held out; NDCG@10 new/serving - 1 "
                f"on the holdout as logged: mean {np.mean(changes):+.1%} (sd "
                f"{np.std(changes):.1%}), as done: {np.mean(true_changes):+.1%} (sd "
                f"{np.std(true_changes):.1%}); GetSolutionMetrics: mean {-np.mean(drops):+.1%} "
                f"(sd {np.std(drops):.1%})"
            )
        popular = popularity_falls(settings, serving.model, catalogue, Path(work))
        log(
            "popularity-like version (aws-popularity-count's model) on an equally good export: "
            f"coverage fall (top 25, {max(settings.sizes)} users) {popular:+.1%}"
        )
    return trials


def popularity_falls(
    settings: Settings, serving: Model, catalogue: np.ndarray, work: Path
) -> float:
    """The coverage fall of a popularity-like version (the fault issue 22 names) from serving."""
    imported, holdout = held_out(settings, export(settings, 999), work)
    trained = train("popularity", imported, catalogue, {}, seed=version_seed("popular"))
    assert trained is not None
    users = smallest_hashes(np.sort(holdout["USER_ID"].unique()), max(settings.sizes))
    return paired(settings, trained.model, serving, users, holdout)[3]


def metrics_threshold(equal: Sequence[Trial], false_alarms: int) -> float:
    """The metrics gate's drop limit that blocks ``false_alarms`` of the equally good retrains."""
    drops = sorted((t.metrics_drop for t in equal), reverse=True)
    return drops[false_alarms] if false_alarms < len(drops) else -np.inf


def report(settings: Settings, trials: dict[float, list[Trial]]) -> None:
    """The table, then the last line for the default setting."""
    n = settings.retrains
    levels = settings.corruptions
    equal = trials[0.0]
    head = "  ".join(f"{c:>4.0%}" for c in levels)
    print(f"\nN = {n} retrains per row; false alarms = equally good data blocked; "
          f"stopped = corrupted data blocked, per corruption level")  # fmt: skip
    print(f"{'gate':<36} {'false alarms':>9}   stopped {head}   "
          f"metrics gate at equal false alarms {head}")  # fmt: skip

    def counts(blocked: list[bool]) -> int:
        return sum(blocked)

    for size in settings.sizes:
        for drop in settings.holdout_drops:
            alarms = counts([t.lower[size] <= -drop for t in equal])
            stopped = [counts([t.lower[size] <= -drop for t in trials[c]]) for c in levels]
            limit = metrics_threshold(equal, alarms)
            matched = [counts([t.metrics_drop > limit for t in trials[c]]) for c in levels]
            name = f"holdout {size} users, max_drop {drop:.0%}"
            print(
                f"{name:<36} {alarms:>6}/{n:<2}   stopped "
                + "  ".join(f"{s:>4}" for s in stopped)
                + f"   (drop > {limit:+.1%})".ljust(37)
                + "  ".join(f"{m:>4}" for m in matched)
            )
    for drop in settings.metric_drops:
        alarms = counts([t.metrics_drop > drop for t in equal])
        stopped = [counts([t.metrics_drop > drop for t in trials[c]]) for c in levels]
        name = f"GetSolutionMetrics, max_drop {drop:.0%}"
        print(f"{name:<36} {alarms:>6}/{n:<2}   stopped " + "  ".join(f"{s:>4}" for s in stopped))

    for size in settings.sizes:
        widths = [t.half_width[size] for t in equal]
        print(
            f"smallest detectable drop (half-width) at {size} users, equally good retrains: "
            + ", ".join(f"±{w:.1%}" for w in widths)
        )
    for corruption, done in trials.items():
        falls = [t.coverage_fall[max(settings.sizes)] for t in done]
        print(
            f"coverage fall (top 25, {max(settings.sizes)} users) at {corruption:.0%} corrupted: "
            + ", ".join(f"{f:+.1%}" for f in falls)
        )
    default = HoldoutGateConfig()
    size = min(settings.sizes, key=lambda s: abs(s - default.max_users))
    twenty = trials.get(0.20, [])
    a = counts([t.lower[size] <= -default.max_drop for t in equal])
    b = counts([t.lower[size] <= -default.max_drop for t in twenty])
    c = counts([t.metrics_drop > 0.25 for t in equal])
    d = counts([t.metrics_drop > 0.25 for t in twenty])
    print(
        f"\n(default: holdout of {size} users, max_drop {default.max_drop:.0%}; metrics gate at "
        "the demo's 25% relative drop on NDCG@10)"
    )
    print(
        f"gate power: holdout false alarms {a}/{n}, stopped {b}/{len(twenty)}; "
        f"metrics gate false alarms {c}/{n}, stopped {d}/{len(twenty)}"
    )


def main() -> None:
    """Parse the sizes, run every retrain, print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--retrains", type=int, default=Settings.retrains)
    parser.add_argument("--users", type=int, default=Settings.users)
    parser.add_argument("--items", type=int, default=Settings.items)
    parser.add_argument("--days", type=int, default=Settings.days)
    parser.add_argument("--per-user", type=int, default=Settings.per_user)
    parser.add_argument("--sizes", type=int, nargs="+", default=list(Settings.sizes))
    args = parser.parse_args()
    settings = Settings(
        users=args.users,
        items=args.items,
        days=args.days,
        per_user=args.per_user,
        retrains=args.retrains,
        sizes=tuple(args.sizes),
    )
    log(
        f"world: {settings.users} users, {settings.items} items, {settings.per_user} "
        f"interactions per user over {settings.days} days per export; holdout after day "
        f"{settings.days - settings.holdout_days}; {settings.retrains} retrains x "
        f"{1 + len(settings.corruptions)} levels"
    )
    report(settings, run(settings))


if __name__ == "__main__":
    main()
