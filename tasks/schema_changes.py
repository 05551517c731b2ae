"""Which schema changes Personalize allows on a live dataset (UpdateDataset), found before asking.

1. The live and the configured Avro schemas are compared field by field (type, whether null is
   allowed, categorical, textual); ordering and the record's name do not matter.
2. The developer guide ("Replacing a dataset's schema") allows a change only on an Items or
   Users dataset, keeping every field as it was, and adding only fields that allow null.
   :func:`schema_change` lists what was added and every reason AWS would refuse it.
3. A replacement schema gets its own name (:func:`versioned_name`: the base name plus a hash of
   its fields), since a schema cannot change once created.
No AWS call here: ``tasks.dataset_updates`` and the plan use it.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

REPLACEABLE = ("ITEMS", "USERS")


@dataclass(frozen=True)
class FieldShape:
    """What a field is, as far as a schema change is concerned."""

    type: str
    nullable: bool
    categorical: bool
    textual: bool

    def __str__(self) -> str:
        words = [self.type + (" or null" if self.nullable else "")]
        return ", ".join(words + [w for w in ("categorical", "textual") if getattr(self, w)])


@dataclass(frozen=True)
class SchemaChange:
    """How a configured schema differs from the live one, and why AWS would refuse it."""

    added: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        """True when the schemas differ at all."""
        return bool(self.added or self.problems)

    @property
    def allowed(self) -> bool:
        """True when UpdateDataset would take the configured schema."""
        return self.changed and not self.problems


def fields(schema: dict[str, Any] | str) -> dict[str, FieldShape]:
    """Field name -> shape of an Avro record schema (a dict or its JSON text)."""
    record = json.loads(schema) if isinstance(schema, str) else schema
    shapes: dict[str, FieldShape] = {}
    for spec in record.get("fields", []):
        kind = spec["type"]
        members = kind if isinstance(kind, list) else [kind]
        non_null = [str(m) for m in members if m != "null"]
        shapes[spec["name"]] = FieldShape(
            type=non_null[0] if len(non_null) == 1 else json.dumps(kind),
            nullable="null" in members,
            categorical=spec.get("categorical") is True,
            textual=spec.get("textual") is True,
        )
    return shapes


def schema_change(
    live: dict[str, Any] | str, configured: dict[str, Any] | str, dataset_type: str
) -> SchemaChange:
    """What changes from the live schema to the configured one, and what AWS would refuse."""
    old, new = fields(live), fields(configured)
    added = [name for name in new if name not in old]
    problems = [f"drops the field {name}" for name in old if name not in new]
    problems += [
        f"changes the field {name} from {old[name]} to {new[name]}"
        for name in old
        if name in new and new[name] != old[name]
    ]
    problems += [f"adds the field {name}, which does not allow null" for name in added
                 if not new[name].nullable]  # fmt: skip
    if (added or problems) and dataset_type.upper() not in REPLACEABLE:
        problems.insert(0, f"the schema of the {dataset_type.title()} dataset cannot be replaced")
    return SchemaChange(added, problems)


def refusal(dataset_name: str, change: SchemaChange) -> str:
    """The message that stops a run on a schema change AWS does not allow."""
    return (
        f"The configured schema of dataset {dataset_name} differs from the live one in a way "
        f"Personalize does not allow ({'; '.join(change.problems)}). A dataset's schema may only "
        "gain fields that allow null, and only on Items and Users datasets: keep the live "
        "fields as they are, or create the dataset anew (teardown, then provision)."
    )


def versioned_name(base: str, schema: dict[str, Any]) -> str:
    """A schema name for a replacement: ``<base>-<8 hex of its fields>``, at most 63 chars."""
    digest = hashlib.sha256(json.dumps(schema, sort_keys=True).encode()).hexdigest()[:8]
    return f"{base[:54]}-{digest}"
