"""Errors the tasks raise: AWS's code and message kept, with the operation and resource named."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from botocore.exceptions import ClientError


class ExpectedStop(Exception):
    """A stop the pipeline expects (bad input, a check that refused, a drift, a budget): its
    message names the fix, so a run logs it as one line, without a traceback
    (:mod:`flows.one_line_errors`). Mix it into a new stop's class, before its built-in base:
    ``class BudgetExceeded(ExpectedStop, RuntimeError)``."""

    def one_line(self) -> str:
        """The message as one line (:func:`one_line`)."""
        return one_line(str(self)) or type(self).__name__


def one_line(message: str) -> str:
    """A message as one line: its first line, then the others joined by ``; ``."""
    lines = [line.strip().removeprefix("- ") for line in message.splitlines()]
    first, *rest = [line for line in lines if line] or [""]
    return f"{first} {'; '.join(rest)}".strip() if rest else first


class PersonalizeError(RuntimeError):
    """An AWS call failed; ``code`` and ``message`` are AWS's own."""

    def __init__(self, operation: str, resource: str, code: str, message: str, status: int = 0):
        self.operation = operation
        self.resource = resource
        self.code = code
        self.message = message
        self.status = status
        super().__init__(f"{operation} for {resource} failed: {code}: {message}")

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.operation, self.resource, self.code, self.message, self.status))


class DriftError(ExpectedStop, RuntimeError):
    """A live resource differs from the configuration in a way that makes continuing wrong."""


@contextmanager
def translated(resource: str) -> Iterator[None]:
    """Turn a ClientError raised inside the block into a :class:`PersonalizeError` naming
    ``resource`` and the operation that failed."""
    try:
        yield
    except ClientError as error:
        raise from_client_error(error, error.operation_name, resource) from error


def call(client: Any, operation: str, resource: str, **params: Any) -> dict[str, Any]:
    """``client.<operation>(**params)`` for an operation named by data (:mod:`tasks.kinds`),
    turning a ClientError into a :class:`PersonalizeError`."""
    method: Callable[..., dict[str, Any]] = getattr(client, operation)
    with translated(resource):
        return method(**params)


def from_client_error(error: ClientError, operation: str, resource: str) -> PersonalizeError:
    """The :class:`PersonalizeError` for a botocore ClientError."""
    details = error.response.get("Error", {})
    status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
    return PersonalizeError(
        operation,
        resource,
        details.get("Code", "Unknown"),
        details.get("Message", str(error)),
        int(status or 0),
    )


def error_code(error: BaseException) -> str | None:
    """The AWS error code of a PersonalizeError or ClientError, else None."""
    if isinstance(error, PersonalizeError):
        return error.code
    if isinstance(error, ClientError):
        return str(error.response.get("Error", {}).get("Code"))
    return None
