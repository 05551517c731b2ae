"""A run that stops on a configuration error logs that error alone, as the command line does.

Prefect logs a flow's exception with its traceback ("Encountered exception during execution")
and, in a deployment's run, again ("Engine execution exited with unexpected exception"): 20 to
50 lines around a message that names the field and the fix. :func:`one_line_config_errors`
filters the flow-run logger: a :class:`~tasks.config.ConfigError` is logged once, as its
message, without the traceback; with ``PREFECT_LOGGING_LEVEL=DEBUG`` everything is kept.
"""

from __future__ import annotations

import logging

from tasks.config import ConfigError

RUN_LOGGER = "prefect.flow_runs"
REPEATED = "Engine execution exited with unexpected exception"


class OneLineConfigErrors(logging.Filter):
    """Drops the traceback of a ConfigError, and the engine's repetition of it."""

    def filter(self, record: logging.LogRecord) -> bool:
        error = record.exc_info[1] if record.exc_info else None
        if not isinstance(error, ConfigError) or logging.getLogger("prefect").isEnabledFor(
            logging.DEBUG
        ):
            return True
        if record.msg == REPEATED:
            return False
        record.msg = "%s: %s (traceback: PREFECT_LOGGING_LEVEL=DEBUG)"
        record.args = (error.source, "; ".join(error.problems))
        record.exc_info, record.exc_text = None, None
        return True


def one_line_config_errors() -> None:
    """Install the filter on Prefect's flow-run logger (once)."""
    logger = logging.getLogger(RUN_LOGGER)
    if not any(isinstance(f, OneLineConfigErrors) for f in logger.filters):
        logger.addFilter(OneLineConfigErrors())
