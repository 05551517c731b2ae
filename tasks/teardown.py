"""Teardown: delete a dataset group and everything in it, children first, waiting for each.

Personalize refuses to delete a resource that others still use, so :func:`teardown_dataset_group`
goes children first: the kinds of the desired-state walk (:data:`tasks.walk.REGISTRY`) in
reverse, each listed live under its live parents (what is not configured goes too): campaigns,
solutions (after stopping trainings in flight), metric attributions, recommenders, filters,
event trackers, datasets, the group, then the schemas its datasets used (unless another dataset
still uses one). Import, export, batch and data deletion jobs have no delete call; they go with
their parents.
Everything already gone counts as deleted, so a rerun finishes what a crashed teardown began.
"""

from __future__ import annotations

from typing import Any

from tasks.aws import AwsSettings, client
from tasks.errors import call, error_code
from tasks.kinds import kind as kind_named
from tasks.reporting import run_logger
from tasks.resources import find_all, in_flight
from tasks.retries import personalize_task
from tasks.waiter import (
    ResourceFailedError,
    WaitTimeoutError,
    describe,
    wait_for,
    wait_until_deleted,
)
from tasks.walk import REGISTRY, parent_kind


def delete(personalize: Any, kind_name: str, arn: str) -> bool:
    """Delete one resource and wait until it is gone; False if it was already gone."""
    described = kind_named(kind_name)
    if described.delete is None:
        raise ValueError(f"{kind_name} has no delete call; it goes with its parent")
    try:
        call(personalize, described.delete, f"{described.label} {arn}", **{described.arn: arn})
    except Exception as error:
        if error_code(error) != "ResourceNotFoundException":
            raise
        return False
    wait_until_deleted(personalize, kind_name, arn)
    run_logger().info("Deleted %s %s", kind_name, arn)
    return True


@personalize_task()
def delete_resource(aws: AwsSettings, kind: str, arn: str) -> bool:
    """Delete one resource (``campaign``, ``solution``, ``filter``, ...) and wait until gone."""
    return delete(client(aws, "personalize"), kind, arn)


def deletion_plan(
    personalize: Any, dataset_group_arn: str, delete_schemas: bool = True
) -> list[tuple[str, str]]:
    """(kind, ARN) of everything teardown deletes, in the order it deletes them (reads only):
    the walk's kinds in reverse, then the schemas the datasets used."""
    live: dict[str, list[str]] = {REGISTRY[0].kind: [dataset_group_arn]}
    used: dict[str, set[str]] = {}
    for entry in REGISTRY[1:]:  # parent first: a kind is listed under each live parent
        parents = live.get(parent_kind(entry.kind) or "", [])
        live[entry.kind] = [
            arn for parent in parents for arn in _arns(personalize, entry.kind, parent)
        ]
        for kind in entry.uses:
            member = kind_named(kind).arn
            found = (describe(personalize, entry.kind, arn)[member] for arn in live[entry.kind])
            used.setdefault(kind, set()).update(found)
    plan = [(entry.kind, arn) for entry in reversed(REGISTRY) for arn in live[entry.kind]]
    if delete_schemas:
        plan += [(kind, arn) for kind, arns in used.items() for arn in sorted(arns)]
    return plan


@personalize_task()
def plan_teardown(
    aws: AwsSettings, dataset_group_arn: str, delete_schemas: bool = True
) -> list[tuple[str, str]]:
    """What :func:`teardown_dataset_group` would delete, in order; nothing is changed."""
    return deletion_plan(client(aws, "personalize"), dataset_group_arn, delete_schemas)


@personalize_task()
def teardown_dataset_group(
    aws: AwsSettings, dataset_group_arn: str, delete_schemas: bool = True
) -> list[str]:
    """Delete the dataset group and its contents; returns the ARNs deleted, in order."""
    personalize = client(aws, "personalize")
    root = REGISTRY[0].kind
    deleted: list[str] = []
    try:
        describe(personalize, root, dataset_group_arn)
    except Exception as error:
        if error_code(error) == "ResourceNotFoundException":
            run_logger().info("Dataset group %s is already gone", dataset_group_arn)
            return deleted
        raise
    jobs = {entry.kind: entry.jobs for entry in REGISTRY}
    used = {kind for entry in REGISTRY for kind in entry.uses}
    for kind, arn in deletion_plan(personalize, dataset_group_arn, delete_schemas):
        for job_kind in jobs.get(kind, ()):
            _end_jobs(personalize, job_kind, arn)
        try:
            if delete(personalize, kind, arn):
                deleted.append(arn)
        except Exception as error:
            if kind not in used or error_code(error) != "ResourceInUseException":
                raise
            run_logger().info("Kept %s %s: another resource uses it", kind_named(kind).label, arn)
    return deleted


def _arns(personalize: Any, kind_name: str, parent: str) -> list[str]:
    """The ARNs of every resource of a kind under ``parent``."""
    member = kind_named(kind_name).arn
    return [str(summary[member]) for summary in find_all(personalize, kind_name, parent)]


def _end_jobs(personalize: Any, kind_name: str, parent: str) -> None:
    """Stop the jobs of a kind in flight under ``parent`` (trainings: when the kind has a stop
    call) or wait them out (imports), since the parent cannot be deleted meanwhile."""
    described = kind_named(kind_name)
    for job in filter(in_flight, find_all(personalize, kind_name, parent)):
        arn = str(job[described.arn])
        if described.stop:
            call(personalize, described.stop, f"{described.label} {arn}", **{described.arn: arn})
        try:
            wait_for(personalize, kind_name, arn)
        except (ResourceFailedError, WaitTimeoutError) as error:
            run_logger().info("The %s %s ended: %s", described.label, arn, error)
