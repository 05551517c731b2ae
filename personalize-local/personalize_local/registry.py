"""Which operations the local service implements, and which work its background jobs do.

Nothing registers itself on import: each module of ``personalize_local.ops`` lists its handlers in a
``HANDLERS`` table (and the work of its jobs in ``JOBS``, the status a job ends in where not
ACTIVE in ``FINAL``, the runtime's hot path in ``INLINE``),
and :data:`MODULES` below names those modules. :func:`registry` reads them into one
:class:`Registry`, which the service is built with, so a job resumed at start-up always finds
its work, and the contract tests know exactly what is implemented.

To add an operation: write its handler in the module of its concern, add it to that module's
``HANDLERS`` (and its job's work to ``JOBS``), and add a new module to :data:`MODULES`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import ModuleType

from personalize_local.jobs import Work
from personalize_local.ops import (
    Handler,
    action_recommendations,
    batch_inference,
    batch_segments,
    campaigns,
    data_deletion_jobs,
    dataset_exports,
    dataset_groups,
    dataset_imports,
    dataset_updates,
    datasets,
    event_trackers,
    events,
    filters,
    metric_attributions,
    put_records,
    recipes,
    recommenders,
    runtime,
    schemas,
    solution_versions,
    solutions,
    tags,
)
from personalize_local.service_model import operations

MODULES: tuple[ModuleType, ...] = (
    schemas,
    dataset_groups,
    datasets,
    dataset_imports,
    dataset_updates,
    dataset_exports,
    data_deletion_jobs,
    solutions,
    solution_versions,
    campaigns,
    batch_inference,
    batch_segments,
    recommenders,
    metric_attributions,
    filters,
    event_trackers,
    recipes,
    tags,
    runtime,
    action_recommendations,
    events,
    put_records,
)
"""Every module of operation handlers the service serves."""


@dataclass(frozen=True)
class Registry:
    """The implemented operations' handlers and the work of each job (kind, verb)."""

    handlers: Mapping[str, Handler] = field(default_factory=dict)
    inline: frozenset[str] = frozenset()
    """Operations cheap enough to answer on the event loop (the runtime's hot path)."""
    jobs: Mapping[tuple[str, str], Work] = field(default_factory=dict)
    final: Mapping[tuple[str, str], str] = field(default_factory=dict)
    """The status a successful job ends in, where not ACTIVE (a stopped recommender)."""


def build(modules: Iterable[ModuleType]) -> Registry:
    """The registry of the given modules; refuses duplicates and names botocore does not know."""
    handlers: dict[str, Handler] = {}
    inline: set[str] = set()
    jobs: dict[tuple[str, str], Work] = {}
    final: dict[tuple[str, str], str] = {}
    known = operations()
    for module in modules:
        for name, handler in getattr(module, "HANDLERS", {}).items():
            if name not in known:
                raise ValueError(f"{module.__name__}: {name} is not a Personalize operation")
            if name in handlers:
                raise ValueError(f"{module.__name__}: {name} is registered twice")
            handlers[name] = handler
        inline |= set(getattr(module, "INLINE", ()))
        for key, work in getattr(module, "JOBS", {}).items():
            if key in jobs:
                raise ValueError(f"{module.__name__}: the work of {key} is registered twice")
            jobs[key] = work
        final |= getattr(module, "FINAL", {})
    missing = inline - handlers.keys()
    if missing:
        raise ValueError(f"inline operations without a handler: {sorted(missing)}")
    return Registry(handlers, frozenset(inline), jobs, final)


def registry() -> Registry:
    """The registry of every module in :data:`MODULES`."""
    return build(MODULES)
