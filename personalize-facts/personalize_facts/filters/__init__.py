"""Amazon Personalize's filter expression grammar, shared by the pipeline and the local service.

The pipeline checks a configured expression with it before any AWS call (``tasks/config.py``);
the local service parses expressions at CreateFilter and evaluates them when it serves.
"""

from personalize_facts.filters.expressions import (
    FilterData,
    FilterExpression,
    FilterExpressionError,
    compile_filter,
)

__all__ = ["FilterData", "FilterExpression", "FilterExpressionError", "compile_filter"]
