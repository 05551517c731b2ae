"""The errors data preparation raises: each names the file, column or rule, and the fix."""

from __future__ import annotations

from tasks.errors import ExpectedStop


class PrepError(ExpectedStop, ValueError):
    """Base class: the input or its configuration cannot be prepared as it is."""


class SchemaError(PrepError):
    """The dataset's Avro schema breaks one of Personalize's rules."""


class SourceError(PrepError):
    """The raw input cannot be read: missing, empty, unreadable, or a mapped column is absent."""


class ColumnError(PrepError):
    """A whole column cannot be converted to its schema type (e.g. no readable timestamp)."""


class BelowMinimumsError(PrepError):
    """The prepared data is below Personalize's minimums or above its limits.

    ``report`` is the data report of the run (a ``DataReport``), so that the numbers that fell
    short can still be published.
    """

    def __init__(self, message: str, report: object | None = None) -> None:
        super().__init__(message)
        self.report = report


class GuardError(BelowMinimumsError):
    """A guard refused the import (too many rejected rows, or a FULL import that shrinks the
    dataset too much); ``report`` is the data report, published all the same."""
