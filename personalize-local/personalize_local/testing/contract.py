"""What botocore's Personalize models promise, read for the contract tests.

1. ``documented_errors(op)``: the error codes an operation's model lists.
2. ``documented_statuses(shape)``: the values a shape's ``status`` documentation lists, plus
   those the real service showed where the two differ (``OBSERVED``, from docs/aws-facts.md#statuses), and
   for a status the model leaves without values, those of the kind's documented shapes
   (``UNDOCUMENTED``).
3. ``ContractRecorder``: a botocore ``after-call`` hook that checks every response against its
   output shape (members marked required are present) and records every status shown, per shape.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from botocore.model import OperationModel, ServiceModel, Shape, StructureShape

from personalize_local.service_model import SERVICES, _model

_STATUS = re.compile(
    r"\b(?:(?:CREATE|DELETE|UPDATE|STOP|START)[ _])?"
    r"(?:PENDING|IN_PROGRESS|IN PROGRESS|FAILED|STOPPING|STOPPED)\b|\bINACTIVE\b|\bACTIVE\b"
    r"|\bCOMPLETED\b"
)

_FILTER = {"CREATE PENDING", "CREATE IN_PROGRESS", "ACTIVE", "CREATE FAILED"}
OBSERVED: dict[str, set[str]] = {
    # docs/aws-facts.md#statuses: batch jobs show CREATE PENDING / CREATE IN_PROGRESS in 18 repositories,
    # never the documented bare PENDING / IN PROGRESS.
    "BatchInferenceJob": {"CREATE PENDING", "CREATE IN_PROGRESS"},
    # docs/aws-facts.md#statuses: batch segment jobs too (the model documents PENDING / IN PROGRESS).
    "BatchSegmentJob": {"CREATE PENDING", "CREATE IN_PROGRESS"},
    # docs/aws-facts.md#statuses: a dataset shows UPDATE PENDING, UPDATE IN_PROGRESS while its
    # latestDatasetUpdate runs (the model lists only CREATE and DELETE statuses).
    "Dataset": {"UPDATE PENDING", "UPDATE IN_PROGRESS"},
    # The model documents no filter statuses; the real service shows CREATE PENDING,
    # CREATE IN_PROGRESS, ACTIVE, and filters are deleted like every other kind.
    "Filter": _FILTER | {"DELETE PENDING", "DELETE IN_PROGRESS"},
    "Recipe": {"ACTIVE"},
}
_CREATED = {"CREATE PENDING", "CREATE IN_PROGRESS", "ACTIVE", "CREATE FAILED"}
UNDOCUMENTED: dict[str, set[str]] = {
    # Shapes (named without "Summary") whose status the model leaves without values, and no
    # saved output shows. A dataset update shows what its dataset shows while it runs
    # (docs/aws-facts.md#statuses, above); a metric attribution the CREATE and DELETE statuses the model
    # documents for every other created kind.
    "DatasetUpdate": {"UPDATE PENDING", "UPDATE IN_PROGRESS", "ACTIVE", "UPDATE FAILED"},
    "MetricAttribution": _CREATED | {"DELETE PENDING", "DELETE IN_PROGRESS"},
}


@cache
def _operation_models() -> dict[str, OperationModel]:
    models: dict[str, OperationModel] = {}
    for service in SERVICES:
        model = ServiceModel(_model(service), service_name=service)
        for name in model.operation_names:
            models[name] = model.operation_model(name)
    return models


def operation_model(name: str) -> OperationModel:
    """botocore's model of an operation of any of the three Personalize services."""
    return _operation_models()[name]


def documented_errors(name: str) -> set[str]:
    """The error codes the operation's model lists."""
    return {shape.name for shape in operation_model(name).error_shapes}


def documented_statuses(shape: StructureShape) -> set[str]:
    """The status values a shape's ``status`` member documents (and the real service shows)."""
    doc = shape.members["status"].documentation or ""
    text = re.sub(r"<[^>]+>", " ", doc)
    found = {match.group(0) for match in _STATUS.finditer(text)}
    base = shape.name.removesuffix("Summary")
    if base != shape.name and base in _service_model().shape_names:
        # A summary shows what its resource shows (a stopped training: CREATE STOPPED).
        found |= documented_statuses(personalize_shape(base))
    return found | OBSERVED.get(base, set()) | UNDOCUMENTED.get(base, set())


def personalize_shape(name: str) -> StructureShape:
    """A structure shape of the personalize model (where the resource shapes are)."""
    shape = _service_model().shape_for(name)
    assert isinstance(shape, StructureShape)
    return shape


def _service_model() -> ServiceModel:
    return operation_model("DescribeCampaign").service_model


@dataclass
class ContractRecorder:
    """Checks every response against its output shape and records statuses per shape."""

    missing: list[str] = field(default_factory=list)
    statuses: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    succeeded: set[str] = field(default_factory=set)
    failed: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))

    def attach(self, client: Any) -> Any:
        """Register on a boto3 client; return it."""
        client.meta.events.register("after-call", self._after_call)
        return client

    def _after_call(
        self, http_response: Any, parsed: dict[str, Any], model: OperationModel, **_: Any
    ) -> None:
        if http_response.status_code >= 300:
            self.failed[model.name].add(parsed.get("Error", {}).get("Code", "?"))
            return
        self.succeeded.add(model.name)
        if model.output_shape is not None:
            self._walk(model.output_shape, parsed, model.name)

    def _walk(self, shape: Shape, value: Any, path: str) -> None:
        if isinstance(shape, StructureShape) and isinstance(value, dict):
            for member in shape.metadata.get("required", []):
                if value.get(member) is None:
                    self.missing.append(f"{path}.{member} ({shape.name})")
            if "status" in shape.members and isinstance(value.get("status"), str):
                self.statuses[shape.name].add(value["status"])
            for name, member_shape in shape.members.items():
                if name in value:
                    self._walk(member_shape, value[name], f"{path}.{name}")
        elif shape.type_name == "list" and isinstance(value, list):
            for item in value:
                self._walk(shape.member, item, f"{path}[]")  # type: ignore[attr-defined]
