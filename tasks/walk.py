"""The desired-state walk: every resource the configuration describes, parent first.

1. :data:`REGISTRY` lists the kinds the pipeline provisions, each after its parent kind (the
   kind whose ARN its List call takes, from ``kinds.json``), with the function of its module
   that yields its configured resources (:class:`~tasks.desired.Desired`).
2. :func:`walk` yields them in that order, each after the resources it needs. The plan
   (:mod:`tasks.plan`), ``ensure`` and the check of what exists (``flows.provision``) drive it
   forwards.
3. Teardown (:mod:`tasks.teardown`) goes through the same kinds in reverse: it lists what lives
   in the dataset group, kind by kind, parent first, and deletes it children first (after
   ending a kind's ``jobs`` in flight), then the account-wide resources they used (a kind's
   ``uses``: the datasets' schemas).

Adding a kind: its entry in ``kinds.json``, its module (``wanted_*``, ``ensure_*`` and a
``desired_*`` function reading its configuration) and an entry here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from tasks.config import PipelineConfig
from tasks.dataset_groups import desired_dataset_group
from tasks.dataset_schemas import desired_datasets
from tasks.desired import Desired
from tasks.event_trackers import desired_event_tracker
from tasks.filters import desired_filters
from tasks.kinds import kind
from tasks.metric_attributions import desired_metric_attribution
from tasks.recommenders import desired_recommenders
from tasks.solutions import desired_solutions


@dataclass(frozen=True)
class Entry:
    """A kind in the walk: the function yielding its configured resources, and the
    account-wide kinds its resources use (named by their ARN member in its Describe document)."""

    kind: str
    desired: Callable[[PipelineConfig], Iterable[Desired]] | None
    """None: nothing of the kind is provisioned (campaigns: retrain creates them)."""
    uses: tuple[str, ...] = ()
    jobs: tuple[str, ...] = ()
    """Kinds of jobs under it that teardown ends first: stopped when the kind has a stop call
    (trainings), else waited out (imports); a resource cannot be deleted while they run."""


REGISTRY: tuple[Entry, ...] = (
    Entry("dataset-group", desired_dataset_group),
    Entry("dataset", desired_datasets, uses=("schema",), jobs=("dataset-import-job",)),
    Entry("event-tracker", desired_event_tracker),
    Entry("filter", desired_filters),
    Entry("recommender", desired_recommenders),
    Entry("metric-attribution", desired_metric_attribution),
    Entry("solution", desired_solutions, jobs=("solution-version",)),
    Entry("campaign", None),  # retrain creates each with a gated version; teardown deletes it first
)
"""Parent first; teardown deletes in reverse (campaigns, what serves, before anything else)."""


def walk(config: PipelineConfig) -> Iterator[Desired]:
    """Every resource the configuration describes, each after those it needs."""
    for entry in REGISTRY:
        if entry.desired is not None:
            yield from entry.desired(config)


def parent_kind(name: str) -> str | None:
    """The kind of the walk whose ARN the List call of ``name`` takes (None: listed
    account-wide)."""
    parameter = kind(name).parent
    if parameter is None:
        return None
    return next(entry.kind for entry in REGISTRY if kind(entry.kind).arn == parameter)
