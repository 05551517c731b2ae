"""Which operations the local service implements, and which work its background jobs do.

Nothing registers itself on import: each module of ``personalize_local.ops`` lists its handlers
in a ``HANDLERS`` table (and the work of its jobs in ``JOBS``, the runtime's hot path in
``INLINE``), and :data:`MODULES` below names those modules; the Describe and List handlers that
are alike are generated from the kinds table (``personalize_local.kinds``). :func:`registry`
reads them into one :class:`Registry`, which the service is built with, so a job resumed at
start-up always finds its work, and the contract tests know exactly what is implemented.

To add an operation: write its handler in the module of its concern, add it to that module's
``HANDLERS`` (and its job's work to ``JOBS``), and add a new module to :data:`MODULES`. To add a
kind: its record (``personalize_local.records``), its entry in ``KINDS`` (which generates its
Describe and List) and its module.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import ModuleType

from personalize_local.jobs import Work
from personalize_local.kinds import KINDS, Kind
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
from personalize_local.resources import generated_handlers
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


def build(modules: Iterable[ModuleType], kinds: Iterable[Kind] = ()) -> Registry:
    """The registry of the given modules and of the handlers generated for ``kinds``; refuses
    duplicates and names botocore does not know."""
    handlers: dict[str, Handler] = {}
    inline: set[str] = set()
    jobs: dict[tuple[str, str], Work] = {}
    known = operations()
    modules = list(modules)
    tables = [(m.__name__, getattr(m, "HANDLERS", {})) for m in modules]
    tables += [(f"the kind {k.name}", generated_handlers(k)) for k in kinds]
    for source, table in tables:
        for name, handler in table.items():
            if name not in known:
                raise ValueError(f"{source}: {name} is not a Personalize operation")
            if name in handlers:
                raise ValueError(f"{source}: {name} is registered twice")
            handlers[name] = handler
    for module in modules:
        inline |= set(getattr(module, "INLINE", ()))
        for key, work in getattr(module, "JOBS", {}).items():
            if key in jobs:
                raise ValueError(f"{module.__name__}: the work of {key} is registered twice")
            jobs[key] = work
    missing = inline - handlers.keys()
    if missing:
        raise ValueError(f"inline operations without a handler: {sorted(missing)}")
    return Registry(handlers, frozenset(inline), jobs)


def registry() -> Registry:
    """The registry of every module in :data:`MODULES` and every kind in ``KINDS``."""
    return build(MODULES, KINDS.values())
