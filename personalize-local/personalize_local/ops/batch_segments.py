"""CreateBatchSegmentJob, DescribeBatchSegmentJob, ListBatchSegmentJobs, and the job.

1. A batch segment job runs a solution version trained with a USER_SEGMENTATION recipe
   (aws-item-affinity, aws-item-attribute-affinity) over JSON lines read from S3:
   ``{"itemId": "105"}`` or ``{"itemAttributes": "ITEMS.genres = \\"Comedy\\" AND ..."}``.
2. Each line's segment is the ``numResults`` users the trained model scores highest for the
   item, or on average over the catalogue's items that have the attributes (clauses joined
   with AND, alternatives with OR; a categorical value matches one of its ``|``-separated
   values, case ignored).
3. ``<input name>.out`` is written under the output path in the developer guide's format:
   ``{"input": {"itemId": ...}, "output": {"recommendedUsers": [...]}}`` (Item-Affinity) or
   ``{"itemAttributes": ..., "output": {"recommendedUsers": [...]}}``; a bad line gets an
   ``error`` instead of failing the job.
"""

from __future__ import annotations

import json
import re
from typing import Any

import numpy as np
import pandas as pd

from personalize_local.batch_io import create_batch_job, read_input, write_output
from personalize_local.engine.data import load_group
from personalize_local.errors import InvalidInputException
from personalize_local.jobs import Job, JobFailed, Work
from personalize_local.kinds import BATCH_SEGMENT_JOB, SOLUTION_VERSION
from personalize_local.ops import Handler
from personalize_local.recipe_catalogue import recipe_of
from personalize_local.resources import require_active
from personalize_local.service import Call, Service
from personalize_local.serving import Target, version_target

KIND = BATCH_SEGMENT_JOB
SEGMENTATION = "USER_SEGMENTATION"
DEFAULT_USERS = 25
MAX_USERS = 5_000_000
USER_CHUNK = 2048
_CLAUSE = re.compile(r'^\s*ITEMS\.(\w+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([-\w.]+))\s*$', re.I)


def create_batch_segment_job(service: Service, call: Call) -> dict[str, Any]:
    p = call.params
    version = require_active(service, SOLUTION_VERSION, p["solutionVersionArn"])
    found = recipe_of(version["recipeArn"])
    if found.recipe_type != SEGMENTATION:
        raise InvalidInputException(
            f"The solution version {version['solutionVersionArn']} was trained with "
            f"{found.name} ({found.recipe_type}); batch segment jobs need a {SEGMENTATION} "
            "recipe (aws-item-affinity or aws-item-attribute-affinity)."
        )
    arn = create_batch_job(service, call, KIND, version, (DEFAULT_USERS, MAX_USERS), {})
    return {"batchSegmentJobArn": arn}


def _run(job: Job) -> None:
    """Answer every input line with its segment and write the output file."""
    body = job.record(KIND)
    service = job.service
    lines = read_input(service, body)
    target = version_target(service, body["solutionVersionArn"])
    by_attributes = target.recipe.name == "aws-item-attribute-affinity"
    items = load_group(service, target.group_arn).items if by_attributes else None
    if by_attributes and items is None:
        raise JobFailed(
            "aws-item-attribute-affinity segments users by item attributes: import an Items "
            "dataset into the dataset group first."
        )
    write_output(service, body, _segments(target, lines, body["numResults"], items))


def _segments(target: Target, lines: list[str], n: int, items: pd.DataFrame | None) -> list[str]:
    """One output line per input line."""
    key = "itemAttributes" if items is not None else "itemId"
    queries: list[dict[str, Any]] = []
    weights: list[np.ndarray | str] = []
    for line in lines:
        query, weight = _query(target, line, key, items)
        queries.append(query)
        weights.append(weight)
    usable = [w for w in weights if not isinstance(w, str)]
    best = _best_users(target, np.vstack(usable), n) if usable else []
    out: list[str] = []
    found = iter(best)
    for query, weight in zip(queries, weights, strict=True):
        if isinstance(weight, str):
            out.append(_line(key, query, None, weight))
        else:
            out.append(_line(key, query, next(found), None))
    return out


def _query(
    target: Target, line: str, key: str, items: pd.DataFrame | None
) -> tuple[dict[str, Any], np.ndarray | str]:
    """The parsed line and its weights over the catalogue, or the error for the line."""
    try:
        query = json.loads(line)
    except json.JSONDecodeError as error:
        return {"line": line}, f"The line is not valid JSON: {error}"
    if not isinstance(query, dict) or not isinstance(query.get(key), str):
        return {"line": line}, f'Each line must be an object with a "{key}" string.'
    model = target.model
    weights = np.zeros(model.n_items, dtype=np.float32)
    if items is None:
        index = model.item_index.get(query[key])
        if index is None:
            return query, f"The item {query[key]} is not in the trained catalogue."
        weights[index] = 1.0
        return query, weights
    try:
        matching = _matching_items(query[key], items)
    except ValueError as error:
        return query, str(error)
    rows = [model.item_index[i] for i in matching if i in model.item_index]
    if not rows:
        return query, "No item of the trained catalogue has these attributes."
    weights[rows] = 1.0 / len(rows)
    return query, weights


def _matching_items(expression: str, items: pd.DataFrame) -> list[str]:
    """The ids of the items an ``ITEMS.column = "value" AND ...`` expression selects."""
    columns = {c.upper(): c for c in items.columns}
    selected = np.zeros(len(items), dtype=bool)
    for alternative in re.split(r"\s+OR\s+", expression, flags=re.I):
        chosen = np.ones(len(items), dtype=bool)
        for clause in re.split(r"\s+AND\s+", alternative, flags=re.I):
            match = _CLAUSE.match(clause)
            if match is None:
                raise ValueError(
                    f'Cannot read {clause.strip()!r}: write ITEMS.<column> = "<value>", joined '
                    "with AND or OR."
                )
            column = columns.get(match.group(1).upper())
            if column is None:
                raise ValueError(f"The Items dataset has no column {match.group(1)}.")
            value = (match.group(2) if match.group(2) is not None else match.group(3)).lower()
            values = items[column].astype(str).str.lower()
            chosen &= values.str.split("|").apply(lambda parts, v=value: v in parts).to_numpy()
        selected |= chosen
    return items.loc[selected, "ITEM_ID"].astype(str).tolist()


def _best_users(target: Target, weights: np.ndarray, n: int) -> list[list[str]]:
    """Per query (a row of item weights), the n users with the highest weighted scores."""
    model = target.model
    n_users = len(model.user_ids)
    totals = np.empty((weights.shape[0], n_users), dtype=np.float32)
    for start in range(0, n_users, USER_CHUNK):
        rows = np.arange(start, min(start + USER_CHUNK, n_users))
        totals[:, rows] = weights @ model.user_scores(rows).T
    k = min(n, n_users)
    if k == 0:
        return [[] for _ in range(weights.shape[0])]
    top = np.argpartition(-totals, k - 1, axis=1)[:, :k]
    order = np.take_along_axis(totals, top, axis=1).argsort(axis=1)[:, ::-1]
    ranked = np.take_along_axis(top, order, axis=1)
    return [model.user_ids[row].astype(str).tolist() for row in ranked]


def _line(key: str, query: dict[str, Any], users: list[str] | None, error: str | None) -> str:
    output = {"recommendedUsers": users} if users is not None else None
    head = {"input": query} if key == "itemId" else {"itemAttributes": query.get(key, query)}
    return json.dumps({**head, "output": output, "error": error}) + "\n"


HANDLERS: dict[str, Handler] = {
    "CreateBatchSegmentJob": create_batch_segment_job,
}
JOBS: dict[tuple[str, str], Work] = {
    (KIND.name, "CREATE"): _run,
}
