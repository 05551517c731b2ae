"""Personalize's dataset schema rules (:mod:`personalize_facts.avro`), answered as AWS does.

A schema that breaks a rule gets ``InvalidInputException`` with the rule's message.
"""

from __future__ import annotations

from personalize_facts import avro
from personalize_facts.avro import RULES, DatasetSchema, Field, SchemaRuleError
from personalize_local.errors import InvalidInputException

__all__ = ["RULES", "DatasetSchema", "Field", "check_dataset_type", "parse_schema"]


def parse_schema(text: str) -> DatasetSchema:
    """Parse an Avro schema and check Personalize's general rules (CreateSchema)."""
    try:
        return avro.parse_schema(text)
    except SchemaRuleError as error:
        raise InvalidInputException(str(error)) from None


def check_dataset_type(schema: DatasetSchema, dataset_type: str) -> None:
    """Check that a schema suits a dataset type (CreateDataset)."""
    try:
        avro.check_dataset_type(schema, dataset_type)
    except SchemaRuleError as error:
        raise InvalidInputException(str(error)) from None
