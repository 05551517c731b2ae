"""Each resource kind's facts in one table: its jobs' duration and statuses, its calls' names.

Each kind is a ``Kind[R]`` constant (``CAMPAIGN: Kind[Campaign]``) whose resources are records
of type ``R`` (:mod:`personalize_local.records`): ``resources.require(service, CAMPAIGN, arn)``
reads a ``Campaign``. :data:`KINDS` is read by the background jobs (how long a job of the kind
takes, the statuses it shows, the status it ends in), by ``resources.in_flight`` (the statuses
in which a resource is busy), by ``resources.start_update`` (the member holding an update) and
by ``resources.generated_handlers``, which writes the Describe and List handlers of the kinds
whose calls are alike (Describe answers the stored resource under the kind's member; List pages
the kind's resources, under the parent the call names).

Sources: durations are the typical AWS durations the pipeline also knows
(:mod:`personalize_facts.durations`: a training takes about an hour), scaled by ``--latency``; statuses follow botocore's model and the real responses
(docs/aws-facts.md#statuses).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Generic

from personalize_facts.durations import TYPICAL_SECONDS
from personalize_local.records import (
    BatchInferenceJob,
    BatchSegmentJob,
    Campaign,
    DataDeletionJob,
    Dataset,
    DatasetExportJob,
    DatasetGroup,
    DatasetImportJob,
    EventTracker,
    Filter,
    MetricAttribution,
    R,
    Recommender,
    Schema,
    Solution,
    SolutionVersion,
)


@dataclass(frozen=True)
class Kind(Generic[R]):
    """What the local service knows of one resource kind (``dataset-import-job``), whose
    resources are records of type ``R`` (:mod:`personalize_local.records`)."""

    name: str
    list_key: str
    """The member of its List call's answer (``datasetImportJobs``; ListFilters' ``Filters``)."""
    parent: str | None = None
    """The kind whose ARN its List call takes, to list the resources under one of them."""
    checks_parent: bool = False
    """Its List call answers ResourceNotFoundException for a parent that does not exist (else
    an unknown parent lists nothing, as botocore's model lists no such error)."""
    bare_statuses: bool = False
    """Its statuses carry no verb: PENDING, IN_PROGRESS, then its final status or FAILED."""
    shown_verbs: Mapping[str, str] = field(default_factory=dict)
    """The verb of the statuses a job shows where not its own (an update shows CREATE ...)."""
    pending_only: frozenset[str] = frozenset()
    """Verbs whose jobs show no IN_PROGRESS status."""
    final: Mapping[str, str] = field(default_factory=dict)
    """The status a successful job of a verb ends in, where not ACTIVE."""
    busy: frozenset[str] = frozenset()
    """Statuses besides ``... PENDING`` and ``... IN_PROGRESS`` in which it is in flight."""
    update_member: str | None = None
    """The member holding its update while it runs (``latestCampaignUpdate``), if it has one."""
    generated: frozenset[str] = frozenset({"Describe", "List"})
    """Its calls whose handlers are generated from this table (the others are written out)."""

    def seconds(self, verb: str = "CREATE") -> float:
        """How long a job of ``verb`` takes on AWS, which ``--latency`` scales: its own typical
        duration where :mod:`personalize_facts.durations` has one (``recommender-stop``,
        ``campaign-update``), else the kind's (0: it has no jobs)."""
        own = TYPICAL_SECONDS.get(f"{self.name}-{verb.lower()}")
        return own if own is not None else TYPICAL_SECONDS.get(self.name, 0.0)

    @property
    def member(self) -> str:
        """Its member in a Describe answer (``datasetImportJob``)."""
        head, *rest = self.name.split("-")
        return head + "".join(part.title() for part in rest)

    @property
    def arn_member(self) -> str:
        """The member holding its ARN, in its document and in calls (``datasetImportJobArn``)."""
        return self.member + "Arn"

    def status_verb(self, verb: str) -> str:
        """The verb of the statuses a job of ``verb`` shows (``CREATE`` in CREATE PENDING)."""
        return self.shown_verbs.get(verb, verb)

    def status(self, verb: str, phase: str) -> str:
        """The status of a job of ``verb`` in a phase (PENDING, IN_PROGRESS, FAILED)."""
        return phase if self.bare_statuses else f"{self.status_verb(verb)} {phase}"

    def in_flight(self, status: str) -> bool:
        """True while a resource of this kind is being created or updated."""
        return busy_status(status) or status in self.busy


def busy_status(status: str) -> bool:
    """True for a status of a creation or update in flight (not yet ACTIVE or FAILED)."""
    return status.endswith(("PENDING", "IN_PROGRESS")) and not status.startswith("DELETE")


# botocore's CampaignUpdateSummary.status and SolutionUpdateSummary.status (and the real
# service's campaign updates in docs/aws-facts.md#statuses): an update moves through
# CREATE PENDING > CREATE IN_PROGRESS > ACTIVE -or- CREATE FAILED, never UPDATE ...
_UPDATE_SHOWS_CREATE = MappingProxyType({"UPDATE": "CREATE"})

SCHEMA: Kind[Schema] = Kind("schema", "schemas")
# botocore's DatasetGroup.status documents DELETE PENDING only.
DATASET_GROUP: Kind[DatasetGroup] = Kind(
    "dataset-group", "datasetGroups", pending_only=frozenset({"DELETE"})
)
DATASET: Kind[Dataset] = Kind("dataset", "datasets", "dataset-group")
DATASET_IMPORT_JOB: Kind[DatasetImportJob] = Kind(
    "dataset-import-job", "datasetImportJobs", "dataset"
)
DATASET_EXPORT_JOB: Kind[DatasetExportJob] = Kind(
    "dataset-export-job", "datasetExportJobs", "dataset"
)
# DataDeletionJob.status: PENDING, IN_PROGRESS, COMPLETED, FAILED.
DATA_DELETION_JOB: Kind[DataDeletionJob] = Kind(
    "data-deletion-job",
    "dataDeletionJobs",
    "dataset-group",
    bare_statuses=True,
    final=MappingProxyType({"CREATE": "COMPLETED"}),
)
SOLUTION: Kind[Solution] = Kind(
    "solution",
    "solutions",
    "dataset-group",
    shown_verbs=_UPDATE_SHOWS_CREATE,
    update_member="latestSolutionUpdate",
    generated=frozenset({"List"}),
)
SOLUTION_VERSION: Kind[SolutionVersion] = Kind(
    "solution-version",
    "solutionVersions",
    "solution",
    busy=frozenset({"CREATE STOPPING"}),
    generated=frozenset({"Describe"}),
)
CAMPAIGN: Kind[Campaign] = Kind(
    "campaign",
    "campaigns",
    "solution",
    shown_verbs=_UPDATE_SHOWS_CREATE,
    update_member="latestCampaignUpdate",
    generated=frozenset({"List"}),
)
BATCH_INFERENCE_JOB: Kind[BatchInferenceJob] = Kind(
    "batch-inference-job", "batchInferenceJobs", "solution-version"
)
BATCH_SEGMENT_JOB: Kind[BatchSegmentJob] = Kind(
    "batch-segment-job", "batchSegmentJobs", "solution-version", checks_parent=True
)
RECOMMENDER: Kind[Recommender] = Kind(
    "recommender",
    "recommenders",
    "dataset-group",
    checks_parent=True,
    final=MappingProxyType({"STOP": "INACTIVE"}),
    update_member="latestRecommenderUpdate",
    generated=frozenset({"List"}),
)
METRIC_ATTRIBUTION: Kind[MetricAttribution] = Kind(
    "metric-attribution", "metricAttributions", "dataset-group", checks_parent=True
)
FILTER: Kind[Filter] = Kind("filter", "Filters", "dataset-group")
EVENT_TRACKER: Kind[EventTracker] = Kind("event-tracker", "eventTrackers", "dataset-group")

KINDS: Mapping[str, Kind[Any]] = MappingProxyType(
    {
        kind.name: kind
        for kind in (
            SCHEMA,
            DATASET_GROUP,
            DATASET,
            DATASET_IMPORT_JOB,
            DATASET_EXPORT_JOB,
            DATA_DELETION_JOB,
            SOLUTION,
            SOLUTION_VERSION,
            CAMPAIGN,
            BATCH_INFERENCE_JOB,
            BATCH_SEGMENT_JOB,
            RECOMMENDER,
            METRIC_ATTRIBUTION,
            FILTER,
            EVENT_TRACKER,
        )
    }
)
"""Every resource kind the service stores, by name."""
