"""Each kind's record (personalize_local.records) against botocore's model: a record declares the
members its Describe answer's shape has, and only the service's own members besides."""

from __future__ import annotations

from personalize_local import records
from personalize_local.kinds import KINDS
from personalize_local.service_model import operations, shapes

KEPT = {
    "DatasetSchema": {"status", "failureReason"},  # every record's; a schema has neither
    "Dataset": {"failureReason"},  # a failed dataset's reason, not in botocore's Dataset
    "Solution": {"failureReason"},
    "EventTracker": {"failureReason", "interactionsDatasetArn", "eventInteractionsDatasetArn"},
    "DatasetImportJob": {"rowsImported", "datasetRowCount"},
    "SolutionVersion": {"metrics"},  # answered by GetSolutionMetrics
    "MetricAttribution": {"metrics"},  # answered by ListMetricAttributionMetrics
}
"""The service's own members stored without the ``_`` prefix (data directories hold them)."""

UPDATES = ("CampaignUpdateSummary", "SolutionUpdateSummary", "RecommenderUpdateSummary",
           "DatasetUpdateSummary")  # fmt: skip


def _members(shape: str) -> set[str]:
    return set(shapes("personalize")[shape]["members"])


def _keys(record: type) -> set[str]:
    return set(record.__required_keys__ | record.__optional_keys__)  # type: ignore[attr-defined]


def test_each_kind_has_a_record_with_its_describe_shapes_members() -> None:
    for kind in KINDS.values():
        name = kind.member[0].upper() + kind.member[1:]
        record = getattr(records, name)
        answer = operations()[f"Describe{name}"].output_shape
        assert answer is not None
        shape = shapes("personalize")[answer]["members"][kind.member]["shape"]
        public = {key for key in _keys(record) if not key.startswith("_")}
        assert public - _members(shape) - KEPT.get(shape, set()) == set(), name
        assert kind.arn_member in record.__required_keys__, name


def test_an_updates_members_are_those_of_botocores_update_summaries() -> None:
    documented = set().union(*(_members(shape) for shape in UPDATES))
    assert _keys(records.Update) <= documented
