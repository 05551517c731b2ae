"""The data checks' figures on honest and faulty exports of the demo's world: how the defaults
were chosen.

Run with ``make bench-data-checks`` (or ``python -m benchmarks.data_checks --help``). For each
world seed, the demo generator's history (1,000 users, 400 items, 300 interactions a day, 60 +
14 days) is cut into an accepted export and a new one, both prepared by
``tasks.prep.pipeline.prepare`` with the demo configuration's interactions cleaning, the new
one compared with the accepted one (``tasks.prep.drift``) under the default limits; every
figure's change is printed:

- honest: FULL 60 -> 74 days (the demo's second round), FULL 60 -> 67 days, FULL 74 -> 74
  days (a rerun on a fresh sample of the same world), and INCREMENTAL increments of 1, 7 and
  14 days after 60 days;
- faulty: a quarter of the new days' users folded into one id, the new days' timestamps a
  year ahead (a unit bug), a FULL export ending 14 days before the accepted data, every new
  row sent twice, purchases no longer tracked, user ids re-keyed, item ids re-keyed.

Each line is one trial: scenario, seed, then every figure's change and whether the default
limits (``DataChecks()``) stop it (a verdict "flagged" does not stop). The last line: honest stopped H/N, faulty stopped F/M.
"""

from __future__ import annotations

import argparse
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TypeAlias

import numpy as np
import pandas as pd

from local.sample_data import DEFAULT_START, SampleSize, generate_interactions
from tasks.config import load_config
from tasks.prep.config import DataChecks, SourceConfig
from tasks.prep.drift import DriftRow, compare, measure
from tasks.prep.errors import PrepError
from tasks.prep.pipeline import prepare

DAY = 86_400
CONFIG = Path(__file__).resolve().parents[1] / "config" / "demo.yaml"
OFF = DataChecks(enabled=False)
Frame: TypeAlias = pd.DataFrame
Scenario = Callable[[Frame], tuple[Frame, Frame, bool]]


def days(frame: Frame, start: float, end: float) -> Frame:
    """Rows from day ``start`` to day ``end`` after the generator's start."""
    t = frame["TIMESTAMP"]
    return frame[(t >= DEFAULT_START + start * DAY) & (t < DEFAULT_START + end * DAY)]


def _new_days(frame: Frame) -> np.ndarray:
    return (frame["TIMESTAMP"] >= DEFAULT_START + 60 * DAY).to_numpy()


def fold_users(frame: Frame) -> Frame:
    """A quarter of the users of the new days logged under one id."""
    out = frame.copy()
    users = np.sort(out["USER_ID"].unique())
    folded = set(np.random.default_rng(1).choice(users, len(users) // 4, replace=False))
    rows = _new_days(out) & out["USER_ID"].isin(folded).to_numpy()
    out.loc[rows, "USER_ID"] = "u-folded"
    return out


def year_ahead(frame: Frame) -> Frame:
    """The new days' timestamps a year ahead."""
    out = frame.copy()
    out.loc[_new_days(out), "TIMESTAMP"] += 365 * DAY
    return out


def twice(frame: Frame) -> Frame:
    """Every new row sent twice."""
    return pd.concat([frame, frame[_new_days(frame)]]).sort_values("TIMESTAMP", kind="stable")


def no_purchases(frame: Frame) -> Frame:
    """Purchases logged as clicks in the new days."""
    out = frame.copy()
    out.loc[_new_days(out), "EVENT_TYPE"] = "click"
    return out


def rekey(column: str) -> Callable[[Frame], Frame]:
    """The new days' ids of ``column`` under another naming scheme."""

    def change(frame: Frame) -> Frame:
        out = frame.copy()
        rows = _new_days(out)
        out.loc[rows, column] = "x" + out.loc[rows, column].astype(str)
        return out

    return change


HONEST: dict[str, Scenario] = {
    "FULL 60 -> 74 days": lambda h: (days(h, 0, 60), days(h, 0, 74), False),
    "FULL 60 -> 67 days": lambda h: (days(h, 0, 60), days(h, 0, 67), False),
    "INCREMENTAL 1 day after 60": lambda h: (days(h, 0, 60), days(h, 60, 61), True),
    "INCREMENTAL 7 days after 60": lambda h: (days(h, 0, 60), days(h, 60, 67), True),
    "INCREMENTAL 14 days after 60": lambda h: (days(h, 0, 60), days(h, 60, 74), True),
}
FAULTY: dict[str, Scenario] = {
    "FULL, a quarter of users folded into one id": lambda h: (
        days(h, 0, 60),
        days(fold_users(h), 0, 74),
        False,
    ),
    "INCREMENTAL, a quarter of users folded into one id": lambda h: (
        days(h, 0, 60),
        days(fold_users(h), 60, 74),
        True,
    ),
    "FULL, timestamps a year ahead": lambda h: (days(h, 0, 60), year_ahead(days(h, 0, 74)), False),
    "FULL, ends 14 days before the accepted data": lambda h: (
        days(h, 0, 74),
        days(h, 0, 60),
        False,
    ),
    "INCREMENTAL, every row sent twice": lambda h: (
        days(h, 0, 60),
        twice(days(h, 60, 74)),
        True,
    ),
    "INCREMENTAL, purchases not tracked": lambda h: (
        days(h, 0, 60),
        no_purchases(days(h, 60, 74)),
        True,
    ),
    "INCREMENTAL, user ids re-keyed": lambda h: (
        days(h, 0, 60),
        rekey("USER_ID")(days(h, 60, 74)),
        True,
    ),
    "INCREMENTAL, item ids re-keyed": lambda h: (
        days(h, 0, 60),
        rekey("ITEM_ID")(days(h, 60, 74)),
        True,
    ),
}


def trial(accepted: Frame, new: Frame, incremental: bool, work: Path) -> list[DriftRow]:
    """Prepare both exports; the new one's figures against the accepted one (default limits)."""
    config = load_config(CONFIG)
    dataset = config.datasets.interactions
    cleaning = dataset.cleaning.model_copy(update={"forgotten_users_uri": None})
    work.mkdir(parents=True)
    paths = []
    for name, frame in (("accepted", accepted), ("new", new)):
        path = work / f"{name}.parquet"
        frame.to_parquet(path, index=False)
        paths.append(path)
    first = prepare(
        SourceConfig(uri=str(paths[0])),
        cleaning,
        dataset.avro_schema,
        "interactions",
        str(work / "out-accepted"),
        checks=OFF,
    )
    result = prepare(
        SourceConfig(uri=str(paths[1])),
        cleaning,
        dataset.avro_schema,
        "interactions",
        str(work / "out-new"),
        incremental=incremental,
        current_files=[first.import_uri],
        checks=OFF,
    )
    measured = measure(result.import_uri, [first.import_uri], incremental, result.report)
    assert measured is not None, result.report.notes
    return compare(measured, DataChecks(), incremental)


def main() -> None:
    """Every scenario on every seed; one line per trial."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=int, default=3, help="World seeds (default: 3).")
    args = parser.parse_args()
    size = SampleSize()
    counts = {"honest": [0, 0], "faulty": [0, 0]}
    widest: dict[str, str] = {}
    with tempfile.TemporaryDirectory(prefix="bench-checks-") as root:
        for seed in range(args.seeds):
            history = generate_interactions(
                size.users, size.items, size.interactions_per_day * 74, seed=seed, days=74
            )
            for kind, scenarios in (("honest", HONEST), ("faulty", FAULTY)):
                for name, scenario in scenarios.items():
                    accepted, new, incremental = scenario(history)
                    work = Path(root) / f"{seed}-{kind}-{counts[kind][1]}"
                    try:
                        rows = trial(accepted, new, incremental, work)
                        stopped = [r.figure for r in rows if r.verdict == "stop"]
                    except PrepError as error:
                        rows, stopped = [], [f"refused in preparation: {str(error)[:120]}"]
                    counts[kind][0] += bool(stopped)
                    counts[kind][1] += 1
                    figures = "; ".join(f"{r.figure}: {r.change}" for r in rows)
                    if kind == "honest":
                        for row in rows:
                            widest[row.figure] = max(
                                widest.get(row.figure, row.change), row.change, key=_size
                            )
                    print(f"{kind} | {name} | seed {seed} | stopped by: {stopped} | {figures}")
    for figure, change in widest.items():
        print(f"honest widest | {figure} | {change}")
    print(
        f"data checks: honest stopped {counts['honest'][0]}/{counts['honest'][1]}, "
        f"faulty stopped {counts['faulty'][0]}/{counts['faulty'][1]}"
    )


def _size(change: str) -> float:
    """The magnitude of a change as printed (+12.3%, -0.4 points, distance 0.012, ...)."""
    number = change.replace("distance", "").split()[0].rstrip("%")
    try:
        return abs(float(number))
    except ValueError:
        return 0.0


if __name__ == "__main__":
    main()
