"""How a flow ends ``Failed`` on purpose (a gate stop, a rollback) and keeps its result.

1. The flow returns :func:`stopped`: a ``Failed`` state whose data is a :class:`StoppedRun`
   exception carrying the run's result. Prefect turns a failed state's data into the exception
   the run raises; a plain dict cannot be one, which used to log
   ``TypeError: ... dict cannot be resolved into an exception`` after every gate stop.
2. Prefect's engine logs any failure leaving a flow run as "Engine execution exited with
   unexpected exception", with a traceback. A stop is expected and its reason is already the
   state's message ("Finished in state Failed('stopped by the gate ...')"): ``StoppedRun``
   is an :class:`~tasks.errors.ExpectedStop`, whose repetition :mod:`flows.one_line_errors`
   drops.
3. :func:`run_result` gives the result back, whether the run completed or was stopped.
"""

from __future__ import annotations

from typing import Any

from prefect.states import Failed, State

from tasks.errors import ExpectedStop


class StoppedRun(ExpectedStop):
    """A run stopped on purpose; ``result`` is what it would have returned."""

    def __init__(self, message: str, result: dict[str, Any]) -> None:
        super().__init__(message)
        self.result = result


def stopped(message: str, result: dict[str, Any]) -> State[Any]:
    """A ``Failed`` state with ``message`` whose exception carries ``result``."""
    return Failed(message=message, data=StoppedRun(message, result))


def run_result(state: State[Any]) -> Any:
    """What a finished run returned: its result, or the result a stopped run carries."""
    value = state.result(raise_on_failure=False)
    return value.result if isinstance(value, StoppedRun) else value
