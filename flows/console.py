"""A flow run outlives the console it was started with (a worker's pipe that closes).

A process worker reads each run's stdout and stderr through a pipe. When the worker dies (a
deploy, an out-of-memory kill, ``kill -9``) the run's process lives on, but its next console
write meets a closed pipe: Prefect's console log handler prints through rich, whose
``Console.on_broken_pipe`` answers ``BrokenPipeError`` with ``SystemExit(1)``, and the run
ends ``Crashed`` ("Execution was aborted by Python system exit call"); a bare ``print``
raises ``BrokenPipeError`` where it stands.

:func:`survive_lost_console` makes both go quiet instead: on the first broken pipe, the
broken descriptor (standard output or error) is pointed at ``os.devnull`` (every later write
succeeds and goes nowhere) and the run goes on. Its logs still reach the API through
Prefect's API log handler, which never writes to the console.
"""

from __future__ import annotations

import functools
import logging
import os
import sys
from typing import Any, TextIO

from prefect.logging.handlers import PrefectConsoleHandler
from rich.console import Console

from tasks.reporting import run_logger

_lost: set[int] = set()


def _console_lost(stream: Any) -> None:
    """Point the broken stream's descriptor at ``os.devnull`` (once) and say so in the run's
    logs."""
    try:
        descriptor = stream.fileno()
    except (AttributeError, OSError, ValueError):
        return  # a stream without a descriptor of its own: nothing to redirect
    if descriptor in _lost:
        return
    _lost.add(descriptor)
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, descriptor)
    os.close(devnull)
    run_logger().warning(
        "The console this run wrote to is gone (its worker stopped?); the run goes on and "
        "its logs reach the Prefect API only."
    )


def _quiet(console: Console) -> None:
    """``Console.on_broken_pipe`` without the ``SystemExit``."""
    console.quiet = True
    _console_lost(console.file)


class _PipeSafe:
    """A text stream whose writes survive a broken pipe (they then go to ``os.devnull``)."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream

    def write(self, text: str) -> int:
        try:
            return self._stream.write(text)
        except BrokenPipeError:
            _console_lost(self._stream)
            return len(text)

    def flush(self) -> None:
        try:
            self._stream.flush()
        except BrokenPipeError:
            _console_lost(self._stream)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


def survive_lost_console() -> None:
    """Make Prefect's console log handlers and ``sys.stdout``/``sys.stderr`` go quiet on a
    broken pipe instead of ending the run (idempotent)."""
    for logger in [logging.getLogger(), *logging.Logger.manager.loggerDict.values()]:
        for handler in getattr(logger, "handlers", []):
            if isinstance(handler, PrefectConsoleHandler):
                console = handler.console
                console.on_broken_pipe = functools.partial(_quiet, console)  # type: ignore[method-assign]
    if not isinstance(sys.stdout, _PipeSafe):
        sys.stdout = _PipeSafe(sys.stdout)
    if not isinstance(sys.stderr, _PipeSafe):
        sys.stderr = _PipeSafe(sys.stderr)
