"""Background jobs that move resources through Personalize's statuses.

A resource is created in ``<VERB> PENDING``; a job then sets ``<VERB> IN_PROGRESS``, runs the
work registered for its kind (an import, a training), waits out the scaled real duration and
ends in ``ACTIVE`` or ``<VERB> FAILED`` with a ``failureReason`` (a data deletion job says
``PENDING``, ``IN_PROGRESS``, ``COMPLETED``, ``FAILED`` instead). A status may be kept in more
than one place (``status,latestDatasetUpdate.status``). Jobs are recorded in the store so that a
restarted service resumes them.
"""

from __future__ import annotations

import logging
import threading
import time
import traceback
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from emulator.service import Service

log = logging.getLogger("emulator.jobs")

# Real durations, in seconds, that --latency scales (a training takes about an hour on AWS).
NOMINAL_SECONDS: dict[str, float] = {
    "dataset-group": 30,
    "dataset": 30,
    "dataset-import-job": 900,
    "filter": 60,
    "event-tracker": 60,
    "solution": 30,
    "solution-version": 3600,
    "campaign": 900,
    "batch-inference-job": 1800,
    "recommender": 3600,
    "batch-segment-job": 1800,
    "metric-attribution": 60,
    "dataset-export-job": 900,
    "data-deletion-job": 3600,
}
BARE_STATUSES = frozenset({"data-deletion-job"})
"""Kinds whose statuses carry no verb (PENDING, IN_PROGRESS, FAILED), as their API documents."""


def status_name(kind: str, verb: str, phase: str) -> str:
    """The status of a job of ``kind`` in a phase (PENDING, IN_PROGRESS, FAILED)."""
    return phase if kind in BARE_STATUSES else f"{verb} {phase}"


class JobFailed(Exception):
    """Raised by a job's work: the resource ends FAILED with this ``failureReason``."""


@dataclass
class Job:
    """What a job's work is given: the service, the resource and a way to notice a stop."""

    service: Service
    arn: str
    kind: str
    verb: str

    @property
    def body(self) -> dict[str, Any]:
        """The resource as stored now."""
        body = self.service.store.get(self.arn)
        if body is None:
            raise JobFailed(f"{self.arn} no longer exists")
        return body

    def stop_requested(self) -> bool:
        """True once StopSolutionVersionCreation (or the like) asked this job to stop."""
        body = self.service.store.get(self.arn)
        return body is None or body.get("status") == f"{self.verb} STOPPING"


Work = Callable[[Job], dict[str, Any] | None]
"""A job's work: returns the fields to set on the resource when it succeeds."""

_WORK: dict[tuple[str, str], Work] = {}
_FINAL: dict[tuple[str, str], str] = {}


def work(kind: str, verb: str = "CREATE", final: str = "ACTIVE") -> Callable[[Work], Work]:
    """Register the work that a job of this kind and verb does (e.g. read an import's CSV).

    ``final`` is the status a successful job ends in (a stopped recommender is INACTIVE).
    """

    def register(fn: Work) -> Work:
        _WORK[(kind, verb)] = fn
        _FINAL[(kind, verb)] = final
        return fn

    return register


class Lifecycle:
    """Runs the jobs of one service on a small thread pool."""

    def __init__(self, service: Service) -> None:
        self.service = service
        self._pool = ThreadPoolExecutor(max_workers=4, thread_name_prefix="personalize-job")
        self._lock = threading.Lock()

    def begin(self, arn: str, verb: str = "CREATE", status_path: str = "status") -> None:
        """Start the job for a resource already stored in ``<verb> PENDING``."""
        self.service.store.job_started(arn, verb, status_path)
        self._pool.submit(self._run, arn, verb, status_path)

    def resume(self) -> int:
        """Restart every job that was in flight when the service last stopped."""
        in_flight = self.service.store.jobs_in_flight()
        for arn, verb, status_path in in_flight:
            self._pool.submit(self._run, arn, verb, status_path)
        return len(in_flight)

    def shutdown(self) -> None:
        """Stop taking jobs; jobs in flight are resumed by the next start."""
        self._pool.shutdown(wait=False, cancel_futures=True)

    def _run(self, arn: str, verb: str, status_path: str) -> None:
        store = self.service.store
        kind = store.kind_of(arn)
        if kind is None:
            store.job_finished(arn, verb)
            return
        job = Job(self.service, arn, kind, verb)
        duration = NOMINAL_SECONDS.get(kind, 30) * self.service.settings.latency
        started = time.monotonic()
        try:
            self._sleep(job, duration * 0.05)
            if job.stop_requested():
                self._set_status(arn, status_path, f"{verb} STOPPED")
                return
            self._set_status(arn, status_path, status_name(kind, verb, "IN_PROGRESS"))
            if verb == "DELETE":
                self._sleep(job, duration * 0.2)
                fn = _WORK.get((kind, verb))
                if fn:
                    fn(job)
                store.delete(arn)
                return
            reason = self.service.faults.take_failure(kind)
            if reason:
                raise JobFailed(reason)
            fn = _WORK.get((kind, verb))
            result = fn(job) if fn else None
            self._sleep(job, duration - (time.monotonic() - started))
            if job.stop_requested():
                self._set_status(arn, status_path, f"{verb} STOPPED")
                return
            final = _FINAL.get((kind, verb), "ACTIVE")
            self._finish(arn, status_path, final, top_level=result or {})
        except JobFailed as failed:
            self._fail(job, status_path, str(failed))
        except Exception as error:  # a bug in the work: fail the resource, keep the service
            log.error("job %s %s crashed:\n%s", verb, arn, traceback.format_exc())
            self._fail(job, status_path, f"Internal error: {error}")
        finally:
            store.job_finished(arn, verb)

    def _fail(self, job: Job, status_path: str, reason: str) -> None:
        if job.stop_requested():
            self._set_status(job.arn, status_path, f"{job.verb} STOPPED")
        elif self.service.store.get(job.arn) is not None:
            failed = status_name(job.kind, job.verb, "FAILED")
            self._finish(job.arn, status_path, failed, {"failureReason": reason})

    def _sleep(self, job: Job, seconds: float) -> None:
        deadline = time.monotonic() + max(seconds, 0.0)
        while (left := deadline - time.monotonic()) > 0:
            if job.stop_requested():
                return
            time.sleep(min(left, 0.05))

    def _set_status(self, arn: str, status_path: str, status: str) -> None:
        self._finish(arn, status_path, status)

    def _finish(
        self,
        arn: str,
        status_path: str,
        status: str,
        fields: dict[str, Any] | None = None,
        top_level: dict[str, Any] | None = None,
    ) -> None:
        """Set the status (top level, or nested as ``latestCampaignUpdate.status``) and fields.

        ``fields`` go beside the status (e.g. ``failureReason``); ``top_level`` fields go on the
        resource itself, in the same write (a campaign switches to its new solution version
        the moment its update becomes ACTIVE).
        """
        with self._lock:
            body = self.service.store.get(arn)
            if body is None:
                return
            changes = dict(top_level or {})
            for path in status_path.split(","):
                head, _, leaf = path.rpartition(".")
                if head:
                    changes[head] = {
                        **body.get(head, {}),
                        **changes.get(head, {}),
                        leaf: status,
                        **(fields or {}),
                        "lastUpdatedDateTime": time.time(),
                    }
                else:
                    changes |= {**(fields or {}), leaf: status}
            self.service.store.update(arn, changes)
