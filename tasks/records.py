"""Items, users and actions from upstream: ``put_records`` sends them with PutItems, PutUsers
and PutActions.

1. The records (a DataFrame whose columns are the schema's field names) are checked against the
   dataset's Avro schema before anything is sent: every column is a field, the id and every
   required field is there, each value is of its field's type. Every problem is reported at
   once (:class:`RecordError`, naming the row and the field) and nothing is sent.
2. They go 10 per call, Personalize's limit, each with its ``properties`` as a JSON object of
   camelCase keys (``CATEGORY_L1`` is ``categoryL1``) and string values, as the API documents.
3. A call failing transiently (throttling, 5xx, network) is tried again after an exponential
   backoff with jitter; any other failure stops at once, saying how many records went before.
4. Progress is logged (records sent, elapsed time) every ``log_every`` calls, and a progress
   artifact follows large batches.
"""

from __future__ import annotations

import functools
import json
import math
import random
import time
from collections.abc import Callable, Iterator
from typing import Any, Literal

import pandas as pd

from tasks.aws import AwsSettings, client
from tasks.errors import ExpectedStop, translated
from tasks.reporting import artifact_key, in_run, run_logger
from tasks.retries import is_transient, personalize_task
from tasks.waiter import format_elapsed

RecordType = Literal["items", "users", "actions"]
BATCH = 10
MAX_ID_CHARS = 256
MAX_CATEGORICAL_CHARS = 1000
SHOWN_PROBLEMS = 20
_IDS: dict[str, tuple[str, str]] = {
    "items": ("itemId", "ITEM_ID"),
    "users": ("userId", "USER_ID"),
    "actions": ("actionId", "ACTION_ID"),
}


class RecordError(ExpectedStop, ValueError):
    """Records that break the dataset's schema; ``problems`` name each row and field."""

    def __init__(self, problems: list[str], rows: int):
        self.problems = problems
        shown = "\n  ".join(problems[:SHOWN_PROBLEMS])
        more = (
            f"\n  ... and {len(problems) - SHOWN_PROBLEMS} more"
            if len(problems) > SHOWN_PROBLEMS
            else ""
        )
        super().__init__(
            f"{len(problems)} problem(s) in {rows} records; nothing was sent:\n  {shown}{more}"
        )


def camel_case(field: str) -> str:
    """The property key Personalize expects for a schema field (``NUMBER_OF_RATINGS`` ->
    ``numberOfRatings``)."""
    head, *rest = field.lower().split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def api_records(
    records: pd.DataFrame, schema: dict[str, Any], record_type: RecordType
) -> list[dict[str, str]]:
    """The records as the Put call takes them; :class:`RecordError` listing every problem."""
    id_key, id_field = _IDS[record_type]
    fields = {f["name"]: _field(f) for f in schema["fields"]}
    problems = [f"column {c!r} is not a field of the schema ({', '.join(fields)})"
                for c in records.columns if c not in fields]  # fmt: skip
    problems += [f"column {name} is missing, and the schema requires it"
                 for name, (_, nullable, _) in fields.items()
                 if not nullable and name not in records.columns]  # fmt: skip
    if problems:
        raise RecordError(problems, len(records))
    out: list[dict[str, str]] = []
    for position, row in enumerate(records.to_dict(orient="records"), start=1):
        properties: dict[str, str] = {}
        identifier = ""
        for name, value in row.items():
            text, problem = _text(value, *fields[str(name)], name=str(name))
            if problem:
                problems.append(f"row {position}, {name}: {problem}")
            elif name == id_field:
                identifier = text or ""
            elif text is not None:
                properties[camel_case(str(name))] = text
        record = {id_key: identifier}
        if properties:
            record["properties"] = json.dumps(properties, separators=(",", ":"))
        out.append(record)
    if problems:
        raise RecordError(problems, len(records))
    return out


def _field(spec: dict[str, Any]) -> tuple[str, bool, bool]:
    """(type, nullable, categorical) of an Avro field."""
    members = spec["type"] if isinstance(spec["type"], list) else [spec["type"]]
    kind = next((str(m) for m in members if m != "null"), "string")
    return kind, "null" in members, spec.get("categorical") is True


def _missing(value: Any) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value))


def _text(
    value: Any, kind: str, nullable: bool, categorical: bool, name: str
) -> tuple[str | None, str | None]:
    """(the value as the API's string, or the problem with it)."""
    if _missing(value):
        return None, None if nullable else "is empty, and the schema requires it"
    if kind == "string":
        text = str(value)
        limit = (
            MAX_ID_CHARS if name.endswith("_ID") else MAX_CATEGORICAL_CHARS if categorical else 0
        )
        if limit and len(text) > limit:
            return None, f"is longer than {limit} characters"
        if name.endswith("_ID") and not text.strip():
            return None, "is blank"
        return text, None
    if kind == "boolean":
        lowered = str(value).strip().lower()
        if isinstance(value, bool) or lowered in ("true", "false"):
            return lowered, None
        return None, f"{value!r} is not a boolean (true or false)"
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None, f"{value!r} is not a {kind}"
    if isinstance(value, bool) or not math.isfinite(number):
        return None, f"{value!r} is not a {kind}"
    if kind in ("int", "long"):
        if not number.is_integer():
            return None, f"{value!r} is not a whole number ({kind})"
        return str(int(number)), None
    return repr(number), None


def batches(records: list[dict[str, str]], size: int = BATCH) -> Iterator[list[dict[str, str]]]:
    """The records in calls of ``size`` (10: Personalize's limit per call)."""
    for start in range(0, len(records), size):
        yield records[start : start + size]


@personalize_task(retries=0)
def put_records(
    aws: AwsSettings,
    dataset_arn: str,
    record_type: RecordType,
    records: pd.DataFrame,
    schema: dict[str, Any],
    attempts: int = 6,
    log_every: int = 100,
) -> int:
    """How many records were sent, all checked first, 10 per Put call, transient errors retried."""
    prepared = api_records(records, schema, record_type)
    send = _sender(client(aws, "personalize-events"), dataset_arn, record_type)
    progress = _Progress(len(prepared), record_type, dataset_arn, log_every)
    for chunk in batches(prepared):
        label = f"{record_type} to {dataset_arn} after {progress.sent} records"
        _call_with_retries(functools.partial(send, chunk), attempts, label)
        progress.advance(len(chunk))
    progress.done()
    return progress.sent


def _sender(
    events: Any, dataset_arn: str, record_type: RecordType
) -> Callable[[list[dict[str, str]]], Any]:
    """The Put call of the record type, for one chunk of records."""
    if record_type == "items":
        return lambda chunk: events.put_items(datasetArn=dataset_arn, items=chunk)
    if record_type == "users":
        return lambda chunk: events.put_users(datasetArn=dataset_arn, users=chunk)
    return lambda chunk: events.put_actions(datasetArn=dataset_arn, actions=chunk)


def _call_with_retries(
    send: Callable[[], Any],
    attempts: int,
    resource: str,
    sleep: Callable[[float], None] = time.sleep,
) -> None:
    """Call ``send``; retry transient failures with exponential backoff and jitter."""
    for attempt in range(1, attempts + 1):
        try:
            with translated(resource):
                send()
            return
        except Exception as error:
            if attempt == attempts or not is_transient(error):
                raise
            pause = min(30.0, 0.5 * 2 ** (attempt - 1)) * (0.5 + random.random() / 2)
            run_logger().warning("%s: %s; trying again in %.1fs", resource, error, pause)
            sleep(pause)


class _Progress:
    """Log lines and a progress artifact while records go out."""

    def __init__(self, total: int, record_type: str, dataset_arn: str, log_every: int) -> None:
        self.total, self.sent, self.calls = total, 0, 0
        self.label = f"{record_type} to {dataset_arn.rsplit('/', 2)[-2]}"
        self.log_every = log_every
        self.started = time.monotonic()
        self.artifact: Any = None
        if in_run() and total > BATCH * log_every:
            from prefect.artifacts import create_progress_artifact

            key = artifact_key("put", record_type, dataset_arn.rsplit("/", 2)[-2])
            self.artifact = create_progress_artifact(0.0, key=key, description=self.label)

    def advance(self, count: int) -> None:
        self.sent += count
        self.calls += 1
        if self.calls % self.log_every == 0:
            self._report()

    def done(self) -> None:
        self._report()

    def _report(self) -> None:
        elapsed = format_elapsed(time.monotonic() - self.started)
        run_logger().info("Sent %d of %d %s in %s", self.sent, self.total, self.label, elapsed)
        if self.artifact is not None:
            from prefect.artifacts import update_progress_artifact

            update_progress_artifact(self.artifact, 100.0 * self.sent / max(self.total, 1))
