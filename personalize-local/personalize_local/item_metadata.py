"""Item metadata in recommendations: GetRecommendations' and GetPersonalizedRanking's
``metadataColumns``, answered from the group's Items dataset.

1. Only a campaign (``campaignConfig``) or recommender (``recommenderConfig``) created or updated
   with ``enableMetadataWithRecommendations`` returns metadata (botocore's CampaignConfig and
   RecommenderConfig); a request for it otherwise is refused with InvalidInputException.
2. ``metadataColumns`` maps ``ITEMS`` to at most 10 column names of the Items dataset, and a
   request with metadata asks for at most 50 results (botocore's GetRecommendationsRequest:
   "If you are including metadata in recommendations, the maximum is 50").
3. Each item then carries ``metadata``: the requested columns' values as strings (a value the
   item lacks is left out). The items' rows are read once per change of the Items dataset and
   kept per dataset group, so a request does no dataset read.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from personalize_local import dataset_rows
from personalize_local.avro_schema import parse_schema
from personalize_local.engine.data import data_stamp
from personalize_local.errors import InvalidInputException
from personalize_local.kinds import DATASET, SCHEMA
from personalize_local.resources import listed, require
from personalize_local.service import Service
from personalize_local.stamped_cache import StampedCache

MAX_COLUMNS = 10
MAX_RESULTS_WITH_METADATA = 50
_ITEMS: StampedCache[tuple[dict[str, dict[str, str]], list[str]]] = StampedCache()


def requested_columns(
    params: Mapping[str, Any], config: Mapping[str, Any], source_arn: str, n: int
) -> list[str]:
    """The Items columns a request asks for (none without ``metadataColumns``), checked."""
    asked = params.get("metadataColumns")
    if not asked:
        return []
    if not config.get("enableMetadataWithRecommendations"):
        raise InvalidInputException(
            f"Metadata is not enabled for {source_arn}: create or update it with "
            "enableMetadataWithRecommendations set to true to use metadataColumns."
        )
    if set(asked) != {"ITEMS"}:
        raise InvalidInputException(
            f"metadataColumns has {sorted(asked)}; its only key is ITEMS (Items dataset columns)."
        )
    columns = list(asked["ITEMS"])
    if not 1 <= len(columns) <= MAX_COLUMNS:
        raise InvalidInputException(
            f"metadataColumns.ITEMS names {len(columns)} columns; give 1 to {MAX_COLUMNS}."
        )
    if n > MAX_RESULTS_WITH_METADATA:
        raise InvalidInputException(
            f"numResults {n} is above {MAX_RESULTS_WITH_METADATA}, the maximum with metadata."
        )
    return columns


def with_metadata(
    service: Service, group_arn: str, items: list[dict[str, Any]], columns: Sequence[str]
) -> list[dict[str, Any]]:
    """The answer's items, each with the requested columns of its Items row as ``metadata``."""
    if not columns:
        return items
    rows, known = _rows(service, group_arn)
    unknown = [c for c in columns if c not in known]
    if unknown:
        raise InvalidInputException(
            f"metadataColumns.ITEMS names {', '.join(unknown)}, not columns of the Items dataset "
            f"({', '.join(known) or 'the dataset group has none'})."
        )
    for item in items:
        row = rows.get(item["itemId"], {})
        item["metadata"] = {c: row[c] for c in columns if c in row}
    return items


def _rows(service: Service, group_arn: str) -> tuple[dict[str, dict[str, str]], list[str]]:
    """Item id -> column -> value (as strings), and the Items dataset's columns."""
    datasets = listed(service, DATASET, parent=group_arn)
    found = next((d for d in datasets if str(d.get("datasetType", "")).upper() == "ITEMS"), None)
    if found is None:
        return {}, []

    def read() -> tuple[dict[str, dict[str, str]], list[str]]:
        frame = dataset_rows.read_rows(service, found["datasetArn"])
        schema = parse_schema(require(service, SCHEMA, found["schemaArn"])["schema"])
        columns = [c for c in schema.names if c != "ITEM_ID"]
        frame = frame.reindex(columns=["ITEM_ID", *columns])
        rows = {
            str(record.pop("ITEM_ID")): {k: _text(v) for k, v in record.items() if not _missing(v)}
            for record in frame.to_dict("records")
        }
        return rows, columns

    stamp = data_stamp(service, group_arn, ("ITEMS",))
    return _ITEMS.get((str(service.settings.data_dir), group_arn), stamp, read)


def _missing(value: Any) -> bool:
    return value is None or (not isinstance(value, str) and bool(pd.isna(value)))


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)
