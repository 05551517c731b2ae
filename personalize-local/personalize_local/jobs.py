"""Background jobs that move resources through Personalize's statuses.

A resource is created in ``<VERB> PENDING``; a job then sets ``<VERB> IN_PROGRESS``, runs the
work registered for its kind (an import, a training), waits out the scaled real duration and
ends in ``ACTIVE`` or ``<VERB> FAILED`` with a ``failureReason``; each kind's durations and
statuses (an update of a campaign showing CREATE statuses, a data deletion job's ``PENDING``,
``IN_PROGRESS``, ``COMPLETED``) are in ``personalize_local.kinds``. A status may be kept in more
than one place (``status,latestDatasetUpdate.status``). Jobs are recorded in the store so that a
restarted service resumes them; a service shutting down leaves them there.
"""

from __future__ import annotations

import logging
import threading
import time
import traceback
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, cast

from personalize_local.kinds import KINDS, Kind
from personalize_local.records import R
from personalize_local.service import Service

log = logging.getLogger("personalize_local.jobs")


class JobFailed(Exception):
    """Raised by a job's work: the resource ends FAILED with this ``failureReason``."""


class _Closing(Exception):
    """The service is shutting down: the job writes nothing more and stays in flight."""


@dataclass
class Job:
    """What a job's work is given: the service, the resource and a way to notice a stop."""

    service: Service
    arn: str
    kind: str
    verb: str

    def record(self, kind: Kind[R]) -> R:
        """The resource as stored now, a record of ``kind`` (the kind whose work the job does)."""
        if kind.name != self.kind:
            raise TypeError(f"{self.arn} is a {self.kind}, not a {kind.name}")
        body = self.service.store.get(self.arn)
        if body is None:
            raise JobFailed(f"{self.arn} no longer exists")
        return cast(R, body)

    def stop_requested(self) -> bool:
        """True once StopSolutionVersionCreation (or the like) asked this job to stop, or the
        service is shutting down (then the job is left to the next start)."""
        if self.service.lifecycle.closing:
            return True
        body = self.service.store.get(self.arn)
        shown = KINDS[self.kind].status_verb(self.verb)
        return body is None or body.get("status") in (f"{shown} STOPPING", f"{shown} STOPPED")


Work = Callable[[Job], dict[str, Any] | None]
"""A job's work: returns the fields to set on the resource when it succeeds."""


class Lifecycle:
    """Runs the jobs of one service on a small thread pool; ``work`` is what the job of each
    (kind, verb) does."""

    def __init__(self, service: Service, work: Mapping[tuple[str, str], Work]) -> None:
        self.service = service
        self._work = work
        self._pool = ThreadPoolExecutor(max_workers=4, thread_name_prefix="personalize-job")
        self._lock = threading.RLock()
        self._closing = threading.Event()
        self._running: set[str] = set()

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

    @property
    def closing(self) -> bool:
        """True once :meth:`shutdown` was called."""
        return self._closing.is_set()

    def shutdown(self, grace: float = 2.0) -> bool:
        """Stop every job where it stands, leaving it to the next start; True if all stopped.

        Jobs notice at their next check (work checks between steps, waits every 50 ms) and
        write nothing more; waits at most ``grace`` seconds for them.
        """
        self._closing.set()
        self._pool.shutdown(wait=False, cancel_futures=True)
        deadline = time.monotonic() + grace
        while self._running and time.monotonic() < deadline:
            time.sleep(0.02)
        return not self._running

    def _run(self, arn: str, verb: str, status_path: str) -> None:
        store = self.service.store
        kind = store.kind_of(arn)
        if kind is None:
            store.job_finished(arn, verb)
            return
        job = Job(self.service, arn, kind, verb)
        facts = KINDS[kind]
        duration = facts.seconds(verb) * self.service.settings.latency
        started = time.monotonic()
        shown = facts.status_verb(verb)
        finished = True
        self._running.add(arn)
        try:
            self._sleep(job, duration * 0.05)
            if job.stop_requested():
                self._set_status(arn, status_path, f"{shown} STOPPED")
                return
            if verb not in facts.pending_only and not self._start(
                arn, status_path, facts.status(verb, "PENDING"), facts.status(verb, "IN_PROGRESS")
            ):
                return  # stopped while pending (CREATE PENDING > CREATE STOPPED)
            if verb == "DELETE":
                self._sleep(job, duration * 0.2)
                fn = self._work.get((kind, verb))
                if fn:
                    fn(job)
                if self.closing:
                    raise _Closing
                store.delete_tree(arn)  # with what goes with it (a dataset's export jobs)
                return
            reason = self.service.faults.take_failure(kind)
            if reason:
                raise JobFailed(reason)
            self._hold(job, self.service.faults.take_hold(kind))
            fn = self._work.get((kind, verb))
            result = fn(job) if fn else None
            self._sleep(job, duration - (time.monotonic() - started))
            if job.stop_requested():
                self._set_status(arn, status_path, f"{shown} STOPPED")
                return
            final = facts.final.get(verb, "ACTIVE")
            self._finish(arn, status_path, final, top_level=result or {})
        except _Closing:
            finished = False
        except JobFailed as failed:
            finished = self._fail(job, status_path, str(failed))
        except Exception as error:  # a bug in the work: fail the resource, keep the service
            if self.closing:
                finished = False
            else:
                log.error("job %s %s crashed:\n%s", verb, arn, traceback.format_exc())
                finished = self._fail(job, status_path, f"Internal error: {error}")
        finally:
            self._running.discard(arn)
            if finished:
                store.job_finished(arn, verb)

    def _fail(self, job: Job, status_path: str, reason: str) -> bool:
        """Record the failure (or the stop asked for); False when shutting down instead."""
        try:
            if job.stop_requested():
                stopped = f"{KINDS[job.kind].status_verb(job.verb)} STOPPED"
                self._set_status(job.arn, status_path, stopped)
            elif self.service.store.get(job.arn) is not None:
                failed = KINDS[job.kind].status(job.verb, "FAILED")
                self._finish(job.arn, status_path, failed, {"failureReason": reason})
        except _Closing:
            return False
        return True

    def _hold(self, job: Job, seconds: float) -> None:
        """Stay IN_PROGRESS up to ``seconds`` (a hold fault), until released or stopped."""
        deadline = time.monotonic() + seconds
        while (left := deadline - time.monotonic()) > 0 and not job.stop_requested():
            if self.service.faults.released(min(left, 0.05)):
                return

    def _sleep(self, job: Job, seconds: float) -> None:
        deadline = time.monotonic() + max(seconds, 0.0)
        while (left := deadline - time.monotonic()) > 0:
            if job.stop_requested():
                return
            time.sleep(min(left, 0.05))

    def _start(self, arn: str, status_path: str, pending: str, status: str) -> bool:
        """Move a resource from ``pending`` to ``status`` (IN_PROGRESS); False if it was stopped
        meanwhile. A resumed job finds its resource in ``status`` already, and goes on."""
        if self.closing:
            raise _Closing
        with self._lock:
            body = self.service.store.get(arn) or {}
            head, _, leaf = status_path.split(",")[0].rpartition(".")
            current = str((body.get(head, {}) if head else body).get(leaf, ""))
            if current not in (pending, status):
                return False
            self._finish(arn, status_path, status)
        return True

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
        if self.closing:
            raise _Closing
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
