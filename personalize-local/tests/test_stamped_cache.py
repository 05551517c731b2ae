"""The runtime's derived-value cache: kept while the stamp holds, derived again when it moves."""

from __future__ import annotations

import threading

import pytest

from personalize_local.stamped_cache import StampedCache


def test_a_value_is_derived_once_per_stamp() -> None:
    cache: StampedCache[str] = StampedCache()
    calls: list[int] = []

    def derive(stamp: int) -> str:
        calls.append(stamp)
        return f"value at {stamp}"

    assert cache.get("campaign", 1, lambda: derive(1)) == "value at 1"
    assert cache.get("campaign", 1, lambda: derive(1)) == "value at 1"
    assert cache.get("campaign", 2, lambda: derive(2)) == "value at 2"
    assert cache.get("other", 2, lambda: derive(2)) == "value at 2"
    assert calls == [1, 2, 2]


def test_a_failed_derivation_keeps_nothing() -> None:
    cache: StampedCache[str] = StampedCache()

    def fail() -> str:
        raise ValueError("not active yet")

    with pytest.raises(ValueError):
        cache.get("campaign", 1, fail)
    assert cache.get("campaign", 1, lambda: "active") == "active"


def test_concurrent_misses_derive_once() -> None:
    cache: StampedCache[int] = StampedCache()
    started, release = threading.Event(), threading.Event()
    calls: list[int] = []

    def slow() -> int:
        calls.append(1)
        started.set()
        release.wait(5)
        return 42

    first = threading.Thread(target=lambda: cache.get("k", 1, slow))
    first.start()
    started.wait(5)
    answers: list[int] = []
    second = threading.Thread(target=lambda: answers.append(cache.get("k", 1, slow)))
    second.start()
    release.set()
    first.join(5)
    second.join(5)
    assert answers == [42] and calls == [1]
