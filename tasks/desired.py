"""A resource the configuration describes, as the desired-state walk (:mod:`tasks.walk`) yields it.

Each :class:`Desired` names the resources it needs (its ``parent``, under which its kind is
listed, and its ``inputs``, other ARNs its description names) by :data:`Key`; the walk yields
them first. The plan, ``ensure``, the check of what exists and teardown drive the same walk,
each passing the ARNs of those resources to the two callables: ``wanted`` describes it for an
inspection (reads only), ``ensure`` finds or creates it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from tasks.resources import Wanted

Key = tuple[str, str]
"""A resource of the walk: (kind, name)."""
Arns = Mapping[Key, str]
"""The ARNs of the resources a :class:`Desired` needs (in a plan, only those that exist)."""
Slot = tuple[str, str | None]
"""Where an ARN goes in the flows' ``Resources``: the field, and the key in it (None: the field
holds one ARN)."""


@dataclass(frozen=True)
class Desired:
    """One configured resource: how to describe it, how to ensure it, and what it needs."""

    kind: str
    name: str
    wanted: Callable[[Arns], Wanted]
    """Its description for :func:`tasks.resources.inspect`, from the ARNs it needs."""
    parent: Key | None = None
    """The resource its kind is listed under: while that is missing, so is this one."""
    inputs: tuple[Key, ...] = ()
    """Other resources whose ARNs its description names (a dataset's schema)."""
    ensure: Callable[[Arns], Any] | None = None
    """Find or create it: its ARN (or a future of it, resolved when needed). None: another
    step creates it (a schema, with its dataset)."""
    slot: Slot | None = None
    """Where its ARN goes in the flows' ``Resources`` (None: nowhere)."""
    deferred: bool = False
    """Ensured later by a step of its own, not with the rest (a recommender, once the
    interactions are imported: AWS trains it as soon as it exists)."""

    @property
    def provisioned(self) -> bool:
        """True when ``ensure`` walks it with the rest."""
        return self.ensure is not None and not self.deferred

    @property
    def key(self) -> Key:
        """(kind, name)."""
        return (self.kind, self.name)

    @property
    def needs(self) -> tuple[Key, ...]:
        """Its parent and inputs: the resources the walk yields before it."""
        return (*((self.parent,) if self.parent else ()), *self.inputs)
