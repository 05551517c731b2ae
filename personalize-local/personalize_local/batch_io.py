"""What batch jobs (inference, segments) share: their creation, S3 locations, input and output.

1. ``create_batch_job`` checks a Create call's filter, ``numResults``, S3 locations and the
   role's access to them (the bucket policy, ``personalize_local/s3_access.py``), stores
   the job (``CREATE PENDING``, under its solution version) and starts it.
2. The job reads the JSON-lines file at ``jobInput.s3DataSource.path`` and writes its answers,
   one line per input line, to ``<input name>.out`` under ``jobOutput.s3DataDestination.path``.
"""

from __future__ import annotations

from typing import Any, cast

from personalize_local.errors import InvalidInputException
from personalize_local.jobs import JobFailed
from personalize_local.kinds import FILTER, Kind
from personalize_local.records import BatchJob, SolutionVersion
from personalize_local.resources import create_tags, require, start_create
from personalize_local.s3_access import require_access
from personalize_local.service import Call, Service


def create_batch_job(
    service: Service,
    call: Call,
    kind: Kind[Any],
    version: SolutionVersion,
    results: tuple[int, int],
    extra: dict[str, Any],
) -> str:
    """Store a checked batch job of ``kind`` for an ACTIVE solution version, start it, and
    return its ARN; ``results`` is (default, maximum) ``numResults``."""
    p = call.params
    if "filterArn" in p:
        require(service, FILTER, p["filterArn"])
    default, maximum = results
    n = p.get("numResults", default)
    if n > maximum:
        raise InvalidInputException(f"numResults {n} is above the maximum of {maximum}.")
    check_locations(p)
    tags = create_tags(p)
    arn = call.arn(f"{kind.name}/{p['jobName']}")
    require_access(
        service,
        arn,
        reads=(p["jobInput"]["s3DataSource"]["path"],),
        writes=(p["jobOutput"]["s3DataDestination"]["path"],),
    )
    body = {
        "jobName": p["jobName"],
        kind.arn_member: arn,
        "solutionVersionArn": version["solutionVersionArn"],
        "numResults": n,
        "jobInput": p["jobInput"],
        "jobOutput": p["jobOutput"],
        "roleArn": p["roleArn"],
        "status": "CREATE PENDING",
        **({"filterArn": p["filterArn"]} if "filterArn" in p else {}),
        **extra,
    }
    record = cast(BatchJob, body)  # the kind's own ARN member, batchInferenceJobArn ...
    start_create(service, kind, arn, record, tags, parent=version["solutionVersionArn"])
    return arn


def s3_location(uri: str, member: str, needs_key: bool = False) -> tuple[str, str]:
    """(bucket, key) of an ``s3://`` location; the input must name a file."""
    bucket, _, key = uri.removeprefix("s3://").partition("/")
    if not uri.startswith("s3://") or not bucket or (needs_key and not key):
        example = "s3://bucket/path/input.json" if needs_key else "s3://bucket/output/"
        raise InvalidInputException(f"{member} {uri!r} is not an S3 location such as {example}.")
    return bucket, key


def check_locations(params: dict[str, Any]) -> None:
    """Refuse a Create call whose input or output is not an S3 location."""
    s3_location(params["jobInput"]["s3DataSource"]["path"], "jobInput.s3DataSource.path", True)
    s3_location(
        params["jobOutput"]["s3DataDestination"]["path"], "jobOutput.s3DataDestination.path"
    )


def read_input(service: Service, body: BatchJob) -> list[str]:
    """The job's non-empty input lines (the job fails if the file cannot be read)."""
    bucket, key = s3_location(body["jobInput"]["s3DataSource"]["path"], "jobInput", True)
    try:
        text = service.s3().get_object(Bucket=bucket, Key=key)["Body"].read().decode("utf-8")
    except Exception as error:
        raise JobFailed(f"Could not read the input s3://{bucket}/{key}: {error}") from None
    return [line for line in text.splitlines() if line.strip()]


def write_output(service: Service, body: BatchJob, answers: list[str]) -> None:
    """Write the answers to ``<input name>.out`` under the job's output path."""
    _, in_key = s3_location(body["jobInput"]["s3DataSource"]["path"], "jobInput", True)
    bucket, prefix = s3_location(body["jobOutput"]["s3DataDestination"]["path"], "jobOutput")
    key = f"{prefix.rstrip('/')}/{in_key.rsplit('/', 1)[-1]}.out".lstrip("/")
    service.s3().put_object(Bucket=bucket, Key=key, Body="".join(answers).encode("utf-8"))
