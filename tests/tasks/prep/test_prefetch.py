"""Reading ahead in a background thread keeps order, bounds the queue and passes errors on."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tasks.prep.prefetch import prefetch


def test_items_come_in_order() -> None:
    assert list(prefetch(range(100), depth=3)) == list(range(100))


def test_an_error_in_the_producer_is_raised_in_the_consumer() -> None:
    def broken() -> Iterator[int]:
        yield 1
        raise OSError("disk gone")

    seen = []
    with pytest.raises(OSError, match="disk gone"):
        for item in prefetch(broken()):
            seen.append(item)
    assert seen == [1]


def test_stopping_early_stops_the_producer() -> None:
    produced = []

    def counting() -> Iterator[int]:
        for i in range(1000):
            produced.append(i)
            yield i

    for item in prefetch(counting(), depth=2):
        if item == 5:
            break
    assert len(produced) < 20
