"""Which failures a task retries: transient ones only (throttling, 5xx, concurrent-job quotas).

Every task of this package is declared with :func:`personalize_task`, which sets Prefect retries
with exponential backoff and jitter, and a ``retry_condition_fn`` that refuses to retry anything
else (a validation error, a missing resource, a failed job) because a retry cannot fix it. It
also turns Prefect's result cache off: AWS, not a cached result, says what exists.
botocore's adaptive mode already retries throttles inside one call; these retries cover what
outlasts it.

:func:`watch_retries` hooks every client (``tasks.aws.client``) so that those inner retries are
no longer silent: a call that needed them logs what failed, how many times and for how long.
An endpoint that refuses connections is tried ``CONNECT_ATTEMPTS`` times, then the call fails
with one line naming it (:class:`EndpointUnreachable`), and the tasks do not retry it: a
stopped service answers the same a minute later, and retrying only buried the reason under
hundreds of log lines.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, ParamSpec, TypeVar

from botocore.exceptions import ConnectionError as BotoConnectionError
from botocore.exceptions import EndpointConnectionError, HTTPClientError
from prefect import Task, task
from prefect.cache_policies import NO_CACHE
from prefect.client.schemas.objects import TaskRun
from prefect.states import State
from prefect.tasks import exponential_backoff

from tasks.errors import PersonalizeError, error_code
from tasks.reporting import run_logger

THROTTLING_CODES = frozenset(
    {
        "ThrottlingException",
        "Throttling",
        "TooManyRequestsException",
        "RequestLimitExceeded",
        "ProvisionedThroughputExceededException",
    }
)
RETRIES = 4
BACKOFF_SECONDS = 10.0
JITTER_FACTOR = 0.5
CONNECT_ATTEMPTS = 3

P = ParamSpec("P")
R = TypeVar("R")


def is_transient(error: BaseException) -> bool:
    """True for errors a later attempt may not meet: throttles, 5xx, busy job quotas, network."""
    if isinstance(error, EndpointUnreachable | EndpointConnectionError):
        return False
    if isinstance(error, BotoConnectionError | HTTPClientError):
        return True
    code = error_code(error)
    if code is None:
        return False
    if code in THROTTLING_CODES:
        return True
    if isinstance(error, PersonalizeError) and error.status >= 500:
        return True
    if code in {"InternalFailure", "InternalServerError", "ServiceUnavailable"}:
        return True
    if code == "LimitExceededException":
        return _is_concurrency_quota(str(error))
    return False


def _is_concurrency_quota(message: str) -> bool:
    """LimitExceededException is transient only for jobs in flight, not for resource counts."""
    text = message.lower()
    return any(word in text for word in ("concurrent", "in progress", "in_progress", "active job"))


def retry_on_transient(task: Task[..., Any], task_run: TaskRun, state: State[Any]) -> bool:
    """Prefect ``retry_condition_fn``: retry only when the failure is transient."""
    error = state.result(raise_on_failure=False)
    return isinstance(error, BaseException) and is_transient(error)


def personalize_task(**options: Any) -> Callable[[Callable[P, R]], Task[P, R]]:
    """``@task`` with the package's retry policy; ``options`` override or add task settings."""
    settings: dict[str, Any] = {
        "retries": RETRIES,
        "retry_delay_seconds": exponential_backoff(backoff_factor=BACKOFF_SECONDS),
        "retry_jitter_factor": JITTER_FACTOR,
        "retry_condition_fn": retry_on_transient,
        "cache_policy": NO_CACHE,
        **options,
    }

    def decorate(fn: Callable[P, R]) -> Task[P, R]:
        return task(fn, **settings)

    return decorate


class EndpointUnreachable(EndpointConnectionError):
    """Nothing answers at the endpoint a client was configured with."""

    fmt = (
        "Could not connect to {endpoint_url} after {attempts} attempts: nothing answers there. "
        "Start the service it points at (for the local stack: make up), or check the endpoint "
        "variables (AWS_ENDPOINT_URL_*)."
    )


def watch_retries(client: Any) -> None:
    """Log the calls botocore retried; give up on a refusing endpoint after a few attempts."""
    events = client.meta.events
    events.register("needs-retry", _on_attempt)
    events.register("after-call", _after_call)


def _on_attempt(
    attempts: int,
    caught_exception: Exception | None = None,
    response: Any = None,
    request_dict: dict[str, Any] | None = None,
    **_: Any,
) -> None:
    """Note a failed attempt in the call's context; stop at a refusing endpoint."""
    if isinstance(caught_exception, EndpointConnectionError) and attempts >= CONNECT_ATTEMPTS:
        raise EndpointUnreachable(
            endpoint_url=caught_exception.kwargs.get("endpoint_url", "?"), attempts=attempts
        ) from caught_exception
    code = None
    if caught_exception is not None:
        code = type(caught_exception).__name__
    elif response is not None and response[0].status_code >= 400:
        code = response[1].get("Error", {}).get("Code") or str(response[0].status_code)
    if code and request_dict is not None:
        context = request_dict.setdefault("context", {})
        context.setdefault("retry_started", time.monotonic())
        context.setdefault("retry_failures", []).append(code)


def _after_call(model: Any, parsed: dict[str, Any], context: dict[str, Any], **_: Any) -> None:
    """One log line for a call that needed retries: what failed, how often, for how long."""
    failures: list[str] = context.get("retry_failures", [])
    retried = parsed.get("ResponseMetadata", {}).get("RetryAttempts", 0)
    if not failures or not retried:
        return
    counts = ", ".join(f"{failures.count(code)}x {code}" for code in dict.fromkeys(failures))
    took = time.monotonic() - context["retry_started"]
    outcome = "failed" if "Error" in parsed else "succeeded"
    run_logger().warning(
        "%s %s after %d retries over %.1f s (%s)", model.name, outcome, retried, took, counts
    )
