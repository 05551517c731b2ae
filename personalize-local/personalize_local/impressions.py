"""Impressions: the items a user was shown, recorded with PutEvents, guiding exploration.

1. Explicit impressions are an event's ``impression`` list; implicit ones are the items of the
   recommendation its ``recommendationId`` names ("Amazon Personalize derives the implicit
   impressions based on your recommendation data"; explicit ones win when both are given:
   developer guide, Recording item interaction events with impressions data).
2. The runtime remembers each answer's items by its recommendationId, in memory and for the
   newest ``REMEMBERED`` answers only (one dict insert per request); an id it no longer knows
   (or from before a restart) records no implicit impressions.
3. An event keeps them as its ``IMPRESSION`` field, ``|``-separated as Personalize's schemas
   write it, so training data and dataset exports carry them.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Sequence

import pandas as pd

REMEMBERED = 100_000
_SHOWN: OrderedDict[str, tuple[str, ...]] = OrderedDict()
_LOCK = threading.Lock()


def remember(recommendation_id: str, items: Sequence[str]) -> None:
    """Keep the items an answer showed under its recommendationId."""
    with _LOCK:
        _SHOWN[recommendation_id] = tuple(items)
        if len(_SHOWN) > REMEMBERED:
            _SHOWN.popitem(last=False)


def impression_of(explicit: Sequence[str] | None, recommendation_id: str | None) -> str | None:
    """The IMPRESSION value of an event: its own list, else its recommendation's items."""
    if explicit:
        return "|".join(explicit)
    if recommendation_id:
        with _LOCK:
            shown = _SHOWN.get(recommendation_id)
        if shown:
            return "|".join(shown)
    return None


def unconverted(interactions: pd.DataFrame) -> pd.Series:
    """Per item, how often it was shown without that event being on it (impressions left
    unanswered)."""
    if "IMPRESSION" not in interactions:
        return pd.Series(dtype="int64")
    rows = interactions.dropna(subset=["IMPRESSION"])
    if rows.empty:
        return pd.Series(dtype="int64")
    shown = rows["IMPRESSION"].astype(str).str.split("|").explode()
    clicked = rows["ITEM_ID"].reindex(shown.index).astype(str)
    return shown[shown != clicked].value_counts()
