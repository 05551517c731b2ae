"""Producing the next items of an iterator in a background thread while the caller works.

Reading and decoding (Parquet, CSV, Arrow IPC) release the GIL, so on two or more cores the
next batch is read while the current one is processed. At most ``depth`` items wait in the
queue, which bounds the memory this adds; an error in the producer is raised in the caller.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterable, Iterator
from typing import TypeVar

T = TypeVar("T")
_DONE = object()


def prefetch(items: Iterable[T], depth: int = 2) -> Iterator[T]:
    """Yield ``items`` in order, producing up to ``depth`` ahead in a background thread."""
    waiting: queue.Queue[object] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def produce() -> None:
        try:
            for item in items:
                while not stop.is_set():
                    try:
                        waiting.put(item, timeout=0.1)
                        break
                    except queue.Full:
                        continue
                if stop.is_set():
                    return
            waiting.put(_DONE)
        except BaseException as error:  # handed to the consumer, raised there
            waiting.put(error)

    thread = threading.Thread(target=produce, name="prep-prefetch", daemon=True)
    thread.start()
    try:
        while True:
            item = waiting.get()
            if item is _DONE:
                return
            if isinstance(item, BaseException):
                raise item
            yield item  # type: ignore[misc]
    finally:
        stop.set()
        while thread.is_alive():
            try:
                waiting.get_nowait()
            except queue.Empty:
                thread.join(timeout=0.1)
