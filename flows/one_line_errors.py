"""A run that stops on an expected stop logs it in one line, as the command line does.

Prefect logs a failure with its traceback: the task's ("Task run failed with exception"), the
flow's ("Encountered exception during execution") and, in a deployment's run, the engine's
("Engine execution exited with unexpected exception"): 20 to 50 lines around a message that
already names the fix. Every expected stop is an :class:`~tasks.errors.ExpectedStop` (a
configuration error, a preflight finding, a drift, a data check, a lock given up on, a gate
stop, a failed AWS job, a wait past its deadline, and any stop a lane adds by mixing it in).
:class:`OneLineStops` filters Prefect's run loggers: such a stop is logged once per run, as its
one line, without a traceback (a failed task's closing "Finished in state Failed('Task run
encountered an exception ...')" line becomes that line); the repetitions are dropped. With
``PREFECT_LOGGING_LEVEL=DEBUG`` everything is kept.
"""

from __future__ import annotations

import ast
import logging

from tasks.errors import ExpectedStop, one_line

RUN_LOGGERS = ("prefect.flow_runs", "prefect.task_runs")
REPEATED = "Engine execution exited with unexpected exception"
TASK_FAILED = "Finished in state Failed("
"""How the task engine's closing line about a failed task starts: the state, as ``str`` gives it."""
TASK_EXCEPTION = "Task run encountered an exception "
HINT = "(traceback: PREFECT_LOGGING_LEVEL=DEBUG)"


class OneLineStops(logging.Filter):
    """Logs an expected stop once per run, in one line; drops its traceback and repetitions."""

    def __init__(self) -> None:
        super().__init__()
        self._logged: set[tuple[object, str]] = set()

    def filter(self, record: logging.LogRecord) -> bool:
        if logging.getLogger("prefect").isEnabledFor(logging.DEBUG):
            return True
        error = record.exc_info[1] if record.exc_info else None
        if isinstance(error, ExpectedStop):
            if record.msg == REPEATED:
                return False
            line: str | None = error.one_line()
        else:
            line = task_stop(record) if error is None else None
        if line is None:
            return True
        seen = (getattr(record, "flow_run_id", None), line)
        if seen in self._logged:  # the task's failure, raised again by the flow
            return False
        self._logged.add(seen)
        record.msg, record.args = "%s %s", (line, HINT)
        record.exc_info, record.exc_text = None, None
        return True


def task_stop(record: logging.LogRecord) -> str | None:
    """The one line of the expected stop a failed task's closing line reports (``Finished in
    state Failed('Task run encountered an exception DriftError: ...')``), else None."""
    if not (isinstance(record.msg, str) and record.msg.startswith(TASK_FAILED)):
        return None
    try:
        message = ast.literal_eval(record.msg.removeprefix(TASK_FAILED).removesuffix(")"))
    except (ValueError, SyntaxError):
        return None
    if not (isinstance(message, str) and message.startswith(TASK_EXCEPTION)):
        return None
    name, _, text = message.removeprefix(TASK_EXCEPTION).partition(": ")
    return one_line(text) if name in _stop_names(ExpectedStop) else None


def _stop_names(kind: type[Exception]) -> set[str]:
    """The names of ``kind`` and of every class derived from it."""
    subclasses: list[type[Exception]] = kind.__subclasses__()
    return {kind.__name__}.union(*(_stop_names(sub) for sub in subclasses))


_FILTER = OneLineStops()


def one_line_stops() -> None:
    """Install the filter on Prefect's run loggers (once)."""
    for name in RUN_LOGGERS:
        logger = logging.getLogger(name)
        if _FILTER not in logger.filters:
            logger.addFilter(_FILTER)
