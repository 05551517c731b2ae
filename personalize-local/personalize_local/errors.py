"""AWS-shaped service errors: the ``__type`` and ``message`` a botocore client parses.

Every client error answers HTTP 400, as AWS JSON 1.1 services do (the real service answers
``ResourceNotFoundException`` with 400, not 404); messages follow the real service's wording
where it was seen (``docs/aws-facts.md#errors``).
"""

from __future__ import annotations


class ServiceError(Exception):
    """An error answered to the client as AWS answers it (status, ``__type``, ``message``)."""

    code = "InternalFailure"
    status = 500

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class ValidationException(ServiceError):
    """A request that breaks a constraint of the service model (type, length, pattern, enum)."""

    code = "ValidationException"
    status = 400


class InvalidInputException(ServiceError):
    """A request that is well formed but not valid for Personalize."""

    code = "InvalidInputException"
    status = 400


class ResourceNotFoundException(ServiceError):
    """The named resource does not exist."""

    code = "ResourceNotFoundException"
    status = 400


class ResourceAlreadyExistsException(ServiceError):
    """A resource with that name exists already."""

    code = "ResourceAlreadyExistsException"
    status = 400


class ResourceInUseException(ServiceError):
    """The resource is used by another one, or is not in a state that allows the call."""

    code = "ResourceInUseException"
    status = 400


class LimitExceededException(ServiceError):
    """A quota of the account would be exceeded."""

    code = "LimitExceededException"
    status = 400


class InvalidNextTokenException(ServiceError):
    """The pagination token is not one this service issued for this call."""

    code = "InvalidNextTokenException"
    status = 400


class ThrottlingException(ServiceError):
    """The request rate is too high (injected on demand by the fault settings)."""

    code = "ThrottlingException"
    status = 400


class UnknownOperationException(ServiceError):
    """No operation of the service matches the request."""

    code = "UnknownOperationException"
    status = 400


def not_found(kind: str, arn: str) -> ResourceNotFoundException:
    """The not-found error as the real service words it: "The given solution does not exist: ARN"."""
    return ResourceNotFoundException(f"The given {kind.replace('-', ' ')} does not exist: {arn}")


class TooManyTagsException(ServiceError):
    """A resource would carry more tags than Personalize allows."""

    code = "TooManyTagsException"
    status = 400


class TooManyTagKeysException(ServiceError):
    """An untag request names more keys than Personalize allows."""

    code = "TooManyTagKeysException"
    status = 400
