"""A run that stops on an expected stop logs it in one line, as the command line does.

Prefect logs a failure with its traceback: the task's ("Task run failed with exception"), the
flow's ("Encountered exception during execution") and, in a deployment's run, the engine's
("Engine execution exited with unexpected exception"): 20 to 50 lines around a message that
already names the fix. Every expected stop is an :class:`~tasks.errors.ExpectedStop` (a
configuration error, a preflight finding, a drift, a data check, a lock given up on, a gate
stop, and any stop a lane adds by mixing it in). :class:`OneLineStops` filters Prefect's
run loggers: such a stop is logged once per run, as its one line, without a traceback; the
engine's repetition is dropped. With ``PREFECT_LOGGING_LEVEL=DEBUG`` everything is kept.
"""

from __future__ import annotations

import logging

from tasks.errors import ExpectedStop

RUN_LOGGERS = ("prefect.flow_runs", "prefect.task_runs")
REPEATED = "Engine execution exited with unexpected exception"
HINT = "(traceback: PREFECT_LOGGING_LEVEL=DEBUG)"


class OneLineStops(logging.Filter):
    """Logs an expected stop once per run, in one line; drops its traceback and repetitions."""

    def __init__(self) -> None:
        super().__init__()
        self._logged: set[tuple[object, str]] = set()

    def filter(self, record: logging.LogRecord) -> bool:
        error = record.exc_info[1] if record.exc_info else None
        if not isinstance(error, ExpectedStop) or logging.getLogger("prefect").isEnabledFor(
            logging.DEBUG
        ):
            return True
        if record.msg == REPEATED:
            return False
        line = error.one_line()
        seen = (getattr(record, "flow_run_id", None), line)
        if seen in self._logged:  # the task's failure, raised again by the flow
            return False
        self._logged.add(seen)
        record.msg, record.args = "%s %s", (line, HINT)
        record.exc_info, record.exc_text = None, None
        return True


_FILTER = OneLineStops()


def one_line_stops() -> None:
    """Install the filter on Prefect's run loggers (once)."""
    for name in RUN_LOGGERS:
        logger = logging.getLogger(name)
        if _FILTER not in logger.filters:
            logger.addFilter(_FILTER)
