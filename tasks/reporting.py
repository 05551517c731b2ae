"""Where tasks tell people things: the Prefect run's logger and artifacts (outside a run, logging)."""

from __future__ import annotations

import logging
import re

log = logging.getLogger("tasks")


def run_logger() -> logging.Logger | logging.LoggerAdapter[logging.Logger]:
    """The current Prefect run's logger, or the package logger outside a run."""
    from prefect.exceptions import MissingContextError
    from prefect.logging import get_run_logger

    try:
        return get_run_logger()
    except MissingContextError:
        return log


def in_run() -> bool:
    """True inside a Prefect flow or task run (where artifacts can be created)."""
    from prefect.context import FlowRunContext, TaskRunContext

    return TaskRunContext.get() is not None or FlowRunContext.get() is not None


def artifact_key(*parts: str) -> str:
    """An artifact key from free text: lowercase letters, digits and dashes only."""
    return re.sub(r"[^a-z0-9-]+", "-", "-".join(parts).lower()).strip("-")[:100]
