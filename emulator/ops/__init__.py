"""Operation handlers, one module per Personalize concern, registered by operation name.

A handler takes the service and the call and returns the response document; the dispatcher
validates the request and shapes the response from botocore's model around it.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from typing import Any

from emulator.service import Call, Service

Handler = Callable[[Service, Call], dict[str, Any]]

HANDLERS: dict[str, Handler] = {}
INLINE: set[str] = set()
"""Operations cheap enough to answer on the event loop (the runtime's hot path)."""


def handles(operation: str, inline: bool = False) -> Callable[[Handler], Handler]:
    """Register a function as the handler of a Personalize operation."""

    def register(fn: Handler) -> Handler:
        HANDLERS[operation] = fn
        if inline:
            INLINE.add(operation)
        return fn

    return register


def load_all() -> dict[str, Handler]:
    """Import every handler module of this package; return the registry."""
    for module in pkgutil.iter_modules(__path__):
        importlib.import_module(f"{__name__}.{module.name}")
    return HANDLERS
