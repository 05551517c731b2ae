"""Which failures a task retries: transient ones only (throttling, 5xx, concurrent-job quotas).

Every task of this package is declared with :func:`personalize_task`, which sets Prefect retries
with exponential backoff and jitter, and a ``retry_condition_fn`` that refuses to retry anything
else (a validation error, a missing resource, a failed job) because a retry cannot fix it. It
also turns Prefect's result cache off: AWS, not a cached result, says what exists.
botocore's adaptive mode already retries throttles inside one call; these retries cover what
outlasts it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ParamSpec, TypeVar

from botocore.exceptions import ConnectionError as BotoConnectionError
from botocore.exceptions import HTTPClientError
from prefect import Task, task
from prefect.cache_policies import NO_CACHE
from prefect.client.schemas.objects import TaskRun
from prefect.states import State
from prefect.tasks import exponential_backoff

from tasks.errors import PersonalizeError, error_code

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

P = ParamSpec("P")
R = TypeVar("R")


def is_transient(error: BaseException) -> bool:
    """True for errors a later attempt may not meet: throttles, 5xx, busy job quotas, network."""
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
