"""UpdateDataset: replace an Items or Users dataset's schema, within Personalize's rules.

1. The dataset must exist and be ACTIVE, with no import running on it; only an Items or Users
   dataset's schema can be replaced (the developer guide, "Replacing a dataset's schema").
2. The new schema keeps every field of the old one with the same type, nullability and
   attributes (categorical, textual); every field it adds allows null; it suits the dataset's
   type. A breach is refused at once with InvalidInputException naming the field, and the
   dataset is left as it was.
3. The dataset then goes UPDATE PENDING > UPDATE IN_PROGRESS > ACTIVE, its
   ``latestDatasetUpdate`` following it; once ACTIVE its ``schemaArn`` is the new schema. Rows
   already held keep their values; the added columns are empty for them.
"""

from __future__ import annotations

import time
from typing import Any

from personalize_local.avro_schema import DatasetSchema, Field, check_dataset_type, parse_schema
from personalize_local.errors import InvalidInputException, ResourceInUseException
from personalize_local.jobs import Job, Work
from personalize_local.kinds import DATASET, DATASET_IMPORT_JOB, SCHEMA
from personalize_local.ops import Handler
from personalize_local.resources import in_flight, listed, require
from personalize_local.service import Call, Service

KIND = DATASET
REPLACEABLE = ("ITEMS", "USERS")
STATUS_PATHS = "status,latestDatasetUpdate.status"


def update_dataset(service: Service, call: Call) -> dict[str, Any]:
    arn, schema_arn = call.params["datasetArn"], call.params["schemaArn"]
    dataset = require(service, KIND, arn)
    if dataset.get("status") != "ACTIVE":
        raise ResourceInUseException(
            f"The dataset {arn} is in {dataset.get('status')} status; it must be ACTIVE to update."
        )
    dataset_type = str(dataset["datasetType"]).upper()
    if dataset_type not in REPLACEABLE:
        raise InvalidInputException(
            f"The schema of a {dataset_type.title()} dataset cannot be replaced; only Items and "
            "Users datasets' schemas can."
        )
    new = parse_schema(require(service, SCHEMA, schema_arn)["schema"])
    old = parse_schema(require(service, SCHEMA, dataset["schemaArn"])["schema"])
    check_replacement(old, new, dataset_type)
    for job in listed(service, DATASET_IMPORT_JOB, arn):
        if in_flight(job):
            raise ResourceInUseException(
                f"The dataset {arn} is importing with {job['datasetImportJobArn']}; "
                "update it once the import has finished."
            )
    now = time.time()
    update = {"schemaArn": schema_arn, "status": "UPDATE PENDING",
              "creationDateTime": now, "lastUpdatedDateTime": now}  # fmt: skip
    service.store.update(arn, {"status": "UPDATE PENDING", "latestDatasetUpdate": update})
    service.lifecycle.begin(arn, "UPDATE", STATUS_PATHS)
    return {"datasetArn": arn}


def check_replacement(old: DatasetSchema, new: DatasetSchema, dataset_type: str) -> None:
    """Refuse a replacement schema that drops or changes a field, or adds a required one."""
    for field in old.fields:
        kept = new.field(field.name)
        if kept is None:
            raise InvalidInputException(
                f"The new schema drops the field {field.name}; a replacement schema must keep "
                "every field of the previous one."
            )
        if _signature(kept) != _signature(field):
            raise InvalidInputException(
                f"The new schema changes the field {field.name} from {_describe(field)} to "
                f"{_describe(kept)}; fields keep their type and attributes. Add a new field "
                "under another name instead."
            )
    for field in new.fields:
        if old.field(field.name) is None and not field.nullable:
            raise InvalidInputException(
                f'The new field {field.name} must allow null (e.g. "type": '
                f'["null", "{field.type}"]): rows already imported have no value for it.'
            )
    check_dataset_type(new, dataset_type)


def _signature(field: Field) -> tuple[str, bool, bool, bool]:
    return (field.type, field.nullable, field.categorical, field.textual)


def _describe(field: Field) -> str:
    words = [field.type + (" or null" if field.nullable else "")]
    words += [name for name in ("categorical", "textual") if getattr(field, name)]
    return ", ".join(words)


def apply_update(job: Job) -> dict[str, Any]:
    """The dataset takes the new schema when its update becomes ACTIVE."""
    return {"schemaArn": job.record(KIND)["latestDatasetUpdate"]["schemaArn"]}


HANDLERS: dict[str, Handler] = {
    "UpdateDataset": update_dataset,
}
JOBS: dict[tuple[str, str], Work] = {
    (KIND.name, "UPDATE"): apply_update,
}
