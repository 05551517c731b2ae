"""How long a filter takes per request: FilterData for 10k items, then keep_mask per user.

Run: .venv/bin/python -m benchmarks.filter_eval
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import pandas as pd

from personalize_facts.filters import FilterData, compile_filter

N_ITEMS, N_USERS, N_INTERACTIONS = 10_000, 20_000, 1_000_000
EXPRESSIONS = {
    "unseen purchases": 'EXCLUDE ItemID WHERE Interactions.EVENT_TYPE IN ("purchase")',
    "category param": "INCLUDE ItemID WHERE Items.GENRE IN ($GENRE)",
    "combined": (
        "INCLUDE ItemID WHERE Items.GENRE IN ($GENRE) AND Items.PRICE < $PRICE | "
        'EXCLUDE ItemID WHERE Interactions.EVENT_TYPE IN ("*")'
    ),
}


def main() -> None:
    rng = np.random.default_rng(0)
    item_ids = [f"i{n}" for n in range(N_ITEMS)]
    genres = np.array([f"g{n}" for n in range(50)])
    items = pd.DataFrame(
        {
            "ITEM_ID": item_ids,
            "GENRE": [
                "|".join(rng.choice(genres, size=rng.integers(1, 4), replace=False))
                for _ in range(N_ITEMS)
            ],
            "PRICE": rng.uniform(1, 100, N_ITEMS),
        }
    )
    interactions = pd.DataFrame(
        {
            "USER_ID": [f"u{n}" for n in rng.integers(0, N_USERS, N_INTERACTIONS)],
            "ITEM_ID": np.asarray(item_ids)[rng.integers(0, N_ITEMS, N_INTERACTIONS)],
            "TIMESTAMP": rng.integers(1_600_000_000, 1_700_000_000, N_INTERACTIONS),
            "EVENT_TYPE": rng.choice(["click", "purchase"], N_INTERACTIONS, p=[0.8, 0.2]),
        }
    )
    started = time.perf_counter()
    data = FilterData.build(items, None, interactions, item_ids)
    print(f"FilterData.build: {time.perf_counter() - started:.2f} s "
          f"({N_ITEMS} items, {N_INTERACTIONS} interactions)")  # fmt: skip
    values = {"GENRE": '"g1","g7","g30"', "PRICE": "50"}
    for name, text in EXPRESSIONS.items():
        expression = compile_filter(text)
        data.prepare(expression)
        times = []
        for n in range(2000):
            started = time.perf_counter()
            expression.keep_mask(data, f"u{n % N_USERS}", values)
            times.append(time.perf_counter() - started)
        p50, p99 = np.percentile(np.asarray(times) * 1000, [50, 99])
        print(f"{name:18s} p50 {p50:.3f} ms  p99 {p99:.3f} ms")


if __name__ == "__main__":
    argparse.ArgumentParser(description=__doc__.splitlines()[0]).parse_args()
    main()
