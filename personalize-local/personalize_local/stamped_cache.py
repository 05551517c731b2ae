"""Values derived from the service's state, each kept with the stamp of the state it came from.

The runtime's hot path asks for the same derived values (a campaign's model, a filter's data)
on every request; a stamp (the store's generation, a dataset group's data stamp) says when
the state behind one changed, and only then is it derived again.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

V = TypeVar("V")


class StampedCache(Generic[V]):
    """A dictionary of derived values, rebuilt for a key when its stamp differs."""

    def __init__(self) -> None:
        self._entries: dict[Hashable, tuple[Hashable, V]] = {}
        self._lock = threading.RLock()

    def get(self, key: Hashable, stamp: Hashable, derive: Callable[[], V]) -> V:
        """The value kept for ``key`` if derived at ``stamp``; otherwise ``derive()``, kept.

        Derivation runs under a lock, so concurrent misses build a value once.
        """
        entry = self._entries.get(key)
        if entry is not None and entry[0] == stamp:
            return entry[1]
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None and entry[0] == stamp:
                return entry[1]
            value = derive()
            self._entries[key] = (stamp, value)
            return value
