"""Why the upstream example (docs/gate.md) was stopped by the gate: which rows, and how much each mattered.

    python -m benchmarks.upstream_drop [--draws 30]

The example (issue 16, bug 1): a FULL retrain on the demo's first 60 days (``interactions``),
then ``export-interactions/example`` imports the next 14 days (``new-interactions``)
INCREMENTAL. This replays it with the pipeline's own preparation and the local service's own
training and metrics (no Prefect, no HTTP), on the demo's sample size:

1. The rows the per-user minimum (``min_interactions_per_user: 2``) drops from the increment
   when it counts the new export alone, and how many of those users the dataset already holds;
   then the same with the history counted (``current_files``, this fix).
2. NDCG@10 as GetSolutionMetrics reports it, for the serving version (first export), the
   increment as it was, the increment with the history counted, and everything imported FULL:
   at the held-out draw the local service uses (seed 0), then over ``--draws`` other draws of
   the 10% held-out users (mean, standard deviation, min-max), which separates what the rows
   change from what the draw changes.
3. The relative drop against the serving version that the gate (``max_drop`` 25%, relative)
   would see at seed 0.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

from local.sample_data import SampleSize, write_exports
from personalize_local.engine.training import train
from tasks.config import load_config
from tasks.prep.config import CleaningConfig
from tasks.prep.import_folder import read_import
from tasks.prep.pipeline import PrepResult, prepare

CONFIG = Path(__file__).resolve().parents[1] / "config" / "demo.yaml"
METRIC = "normalized_discounted_cumulative_gain_at_10"
USER_RULE = "user below cleaning.min_interactions_per_user"


def _prepare(
    uri: str, out: Path, incremental: bool, current: tuple[str, ...] = ()
) -> tuple[pd.DataFrame, PrepResult]:
    dataset = load_config(CONFIG).datasets.interactions
    assert dataset.source is not None
    cleaning: CleaningConfig = dataset.cleaning
    result = prepare(
        dataset.source.model_copy(update={"uri": uri}),
        cleaning,
        dataset.avro_schema,
        "interactions",
        str(out),
        incremental=incremental,
        current_files=current,
    )
    frame = read_import(result.import_uri, ["USER_ID", "ITEM_ID", "TIMESTAMP", "EVENT_TYPE"])
    return frame, result


def _ndcg(frame: pd.DataFrame, catalogue: np.ndarray, seed: int) -> float:
    trained = train("personalization", frame, catalogue, {}, seed=seed)
    assert trained is not None
    return trained.metrics[METRIC]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--draws", type=int, default=30, help="held-out draws per dataset")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "raw").mkdir()
        exports = write_exports(str(root / "raw"), SampleSize())
        first, first_result = _prepare(exports.interactions, root / "first", False)
        alone, alone_result = _prepare(exports.new_interactions, root / "alone", True)
        counted, counted_result = _prepare(
            exports.new_interactions, root / "counted", True, (first_result.import_uri,)
        )
        full, _ = _prepare(exports.all_interactions, root / "full", False)
        items = pd.read_parquet(exports.items)["sku"].astype(str)
        catalogue = np.sort(pd.concat([items, full["ITEM_ID"]]).unique().astype(object))

    print(f"increment: {alone_result.rows_in:,} rows read")
    for label, result, frame in (
        ("new export alone (before)", alone_result, alone),
        ("history counted (fix)", counted_result, counted),
    ):
        dropped = result.report.removed_by_rule.get(USER_RULE, 0)
        lost = counted.merge(frame, how="left", indicator=True).query("_merge == 'left_only'")
        returning = int(lost["USER_ID"].isin(first["USER_ID"]).sum())
        print(
            f"  {label:<28} rows dropped by the per-user minimum: {dropped:,}; "
            f"kept with the fix but dropped here: {len(lost):,} rows of {lost['USER_ID'].nunique():,} "
            f"users, {returning:,} of them already in the dataset"
        )
    new_only = alone_result.rows_in - counted_result.rows_out
    print(f"  rows the fix still drops (users new with one event): {new_only:,}")

    datasets = {
        "serving (first 60 days, FULL)": first,
        "increment, new export alone": pd.concat([first, alone], ignore_index=True),
        "increment, history counted": pd.concat([first, counted], ignore_index=True),
        "everything, FULL": full,
    }
    serving_at_0 = _ndcg(first, catalogue, 0)
    print(f"\n{METRIC} (seed 0 is the local service's draw; then {args.draws} other draws)")
    print(f"  {'dataset':<32} {'rows':>7} {'seed 0':>7} {'drop':>7} {'mean':>7} {'sd':>7} range")
    for label, frame in datasets.items():
        at_0 = _ndcg(frame, catalogue, 0)
        draws = np.array([_ndcg(frame, catalogue, seed) for seed in range(1, args.draws + 1)])
        drop = (serving_at_0 - at_0) / serving_at_0
        print(
            f"  {label:<32} {len(frame):>7,} {at_0:>7.4f} {drop:>7.1%} {draws.mean():>7.4f} "
            f"{draws.std(ddof=1):>7.4f} {draws.min():.4f}-{draws.max():.4f}"
        )


if __name__ == "__main__":
    main()
