"""Promotions in GetRecommendations: a filter's items placed in a share of the answer.

From the developer guide (Promoting items in real-time recommendations) and botocore's
Promotion: a request carries at most one promotion, with a ``filterArn`` (and its
``filterValues``) naming the promoted items and ``percentPromotedItems`` (1-100) of the answer
they take; "promoted items are positioned randomly relative to other recommended items, but in
sorted order relative to other promoted items", and "if there aren't enough items that meet the
promotion criteria, the result will contain as many promoted items as possible". Each promoted
item carries ``promotionName`` (and, for User-Personalization-v2, the reason
``Promoted item``). The request's own filter applies to promoted items too.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from personalize_local.engine.model import top_k
from personalize_local.errors import InvalidInputException

KeepMask = Callable[[str, dict[str, str] | None], np.ndarray | None]
"""The keep mask of a filter (by ARN and values) for this request."""


def promote(
    promotion: Mapping[str, Any],
    chosen: np.ndarray,
    scores: np.ndarray,
    keep: np.ndarray | None,
    n: int,
    mask_of: KeepMask,
) -> tuple[np.ndarray, set[int]]:
    """The answer's item indices with the promoted ones placed; and which were promoted."""
    if "filterArn" not in promotion:
        raise InvalidInputException("promotions[0] needs a filterArn naming the promoted items.")
    share = int(promotion.get("percentPromotedItems", 0))
    if not 1 <= share <= 100:
        raise InvalidInputException("promotions[0].percentPromotedItems is 1 to 100.")
    wanted = mask_of(promotion["filterArn"], promotion.get("filterValues"))
    if wanted is None:
        return chosen, set()
    allowed = wanted if keep is None else wanted & keep
    promoted = [int(i) for i in top_k(scores, math.ceil(n * share / 100), allowed)]
    taken = set(promoted)
    pool = [int(i) for i in chosen] + [int(i) for i in top_k(scores, n + len(promoted), keep)]
    rest = [i for i in dict.fromkeys(pool) if i not in taken][: n - len(promoted)]
    total = len(rest) + len(promoted)
    positions = set(np.random.default_rng().choice(total, len(promoted), replace=False).tolist())
    ordered, others = iter(promoted), iter(rest)
    answer = [next(ordered) if p in positions else next(others) for p in range(total)]
    return np.asarray(answer, dtype=np.int64), taken
