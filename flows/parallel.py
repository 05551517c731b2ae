"""Tasks run side by side whose results are taken only once every one of them has ended.

Taking results one by one raises at the first failure while the others still run: a flow
holding a lock would leave its block, and release the lock, with work still going on under
it (issue 29: a solution whose training failed freed both solutions' locks while the other
still trained). :func:`all_results` waits for all of them first.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TypeVar

from prefect.futures import PrefectFuture, wait

K = TypeVar("K")
T = TypeVar("T")


def all_results(futures: Mapping[K, PrefectFuture[T]]) -> dict[K, T]:
    """Each future's result, once all have ended (a failure is raised only then)."""
    wait(list(futures.values()))
    return {key: future.result() for key, future in futures.items()}
