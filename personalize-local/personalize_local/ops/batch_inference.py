"""CreateBatchInferenceJob, DescribeBatchInferenceJob, ListBatchInferenceJobs, and the job.

The job reads JSON lines from S3 (``{"userId"}``, ``{"userId", "itemList"}`` or ``{"itemId"}``
by the recipe's type, each with optional ``filterValues``) and writes ``<input name>.out`` under
the output path: one ``{"input", "output": {"recommendedItems", "scores"}, "error"}`` line per
input line. A bad line gets its ``error``; it does not fail the job. Versions of Trending-Now,
Next-Best-Action and the user segmentation recipes are refused, as AWS documents. A
User-Personalization job's ``batchInferenceJobConfig.itemExplorationConfig`` explores as a
campaign's does (:mod:`personalize_local.exploration`), line by line.
"""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

import numpy as np

from personalize_local import exploration
from personalize_local.batch_io import create_batch_job, read_input, write_output
from personalize_local.engine.model import top_k_rows
from personalize_local.errors import InvalidInputException, ServiceError
from personalize_local.jobs import Job, Work
from personalize_local.kinds import BATCH_INFERENCE_JOB, SOLUTION_VERSION
from personalize_local.ops import Handler
from personalize_local.recipe_catalogue import recipe_of
from personalize_local.records import SolutionVersion
from personalize_local.resources import require_active
from personalize_local.service import Call, Service
from personalize_local.serving import (
    DEFAULT_RESULTS,
    MAX_RESULTS,
    Target,
    distribution,
    keep_mask,
    rank,
    version_target,
)

KIND = BATCH_INFERENCE_JOB
CHUNK = 512


def create_batch_inference_job(service: Service, call: Call) -> dict[str, Any]:
    p = call.params
    version = require_active(service, SOLUTION_VERSION, p["solutionVersionArn"])
    _refuse_unbatched(version)
    exploration.check(p.get("batchInferenceJobConfig", {}), recipe_of(version["recipeArn"]).name)
    mode = {"batchInferenceJobMode": p.get("batchInferenceJobMode", "BATCH_INFERENCE")}
    config = {k: p[k] for k in ("batchInferenceJobConfig",) if k in p}
    arn = create_batch_job(
        service, call, KIND, version, (DEFAULT_RESULTS, MAX_RESULTS), {**mode, **config}
    )
    return {"batchInferenceJobArn": arn}


def _refuse_unbatched(version: SolutionVersion) -> None:
    """Refuse a version whose recipe has no batch inference (botocore's documentation of
    CreateBatchInferenceJob: "You can't get batch recommendations with the Trending-Now or
    Next-Best-Action recipes"; user segments are CreateBatchSegmentJob's)."""
    found = recipe_of(version["recipeArn"])
    instead = {
        "aws-trending-now": "GetRecommendations on a campaign",
        "aws-next-best-action": "GetActionRecommendations on a campaign, user by user",
    }.get(found.name)
    if found.recipe_type == "USER_SEGMENTATION":
        instead = "CreateBatchSegmentJob"
    if instead:
        raise InvalidInputException(
            f"You can't get batch recommendations with the {found.name} recipe "
            f"({version['solutionVersionArn']}); use {instead} instead."
        )


def _run(job: Job) -> None:
    """Answer every input line and write the output file."""
    body = job.record(KIND)
    service = job.service
    lines = read_input(service, body)
    target = version_target(service, body["solutionVersionArn"])
    target = replace(target, config=body.get("batchInferenceJobConfig", {}))
    answers = _answer(service, target, lines, body["numResults"], body.get("filterArn"))
    write_output(service, body, answers)


def _answer(
    service: Service, target: Target, lines: list[str], n: int, filter_arn: str | None
) -> list[str]:
    parsed: list[dict[str, Any] | str] = [_parse(line, target.recipe.recipe_type) for line in lines]
    out: list[str] = []
    explores = exploration.settings(target.config) is not None
    for start in range(0, len(parsed), CHUNK):
        chunk = parsed[start : start + CHUNK]
        raw = lines[start : start + CHUNK]
        if target.recipe.recipe_type == "PERSONALIZED_RANKING":
            out += [_ranked_line(service, target, item, line, filter_arn)
                    for item, line in zip(chunk, raw, strict=True)]  # fmt: skip
            continue
        scores = _chunk_scores(target, chunk)
        errors = _apply_filter(service, target, chunk, scores, filter_arn)
        top, top_scores = top_k_rows(scores, n)
        for row, (item, line) in enumerate(zip(chunk, raw, strict=True)):
            if isinstance(item, str) or row in errors:
                out.append(_error_line(line, item) if isinstance(item, str)
                           else _error_line(item, errors[row]))  # fmt: skip
                continue
            chosen = top[row][np.isfinite(top_scores[row])]
            if explores:
                row_scores = scores[row]
                kept = np.isfinite(row_scores)
                chosen = exploration.explore(service, target, chosen, row_scores, kept, n, {})
            items = target.model.item_ids[chosen].tolist()
            out.append(_output_line(item, items, scores[row][chosen].tolist()))
    return out


def _apply_filter(
    service: Service,
    target: Target,
    chunk: list[dict[str, Any] | str],
    scores: np.ndarray,
    filter_arn: str | None,
) -> dict[int, str]:
    """Mask filtered items out of each line's scores; the lines whose filter failed."""
    errors: dict[int, str] = {}
    if not filter_arn:
        return errors
    for row, item in enumerate(chunk):
        if isinstance(item, str):
            continue
        try:
            keep = keep_mask(service, target, filter_arn, item.get("userId"),
                             item.get("filterValues"), item.get("itemId"))  # fmt: skip
        except ServiceError as error:
            errors[row] = error.message
            continue
        if keep is not None:
            scores[row, ~keep] = -np.inf
    return errors


def _parse(line: str, recipe_type: str) -> dict[str, Any] | str:
    """The input object, or the error to report for the line."""
    try:
        item = json.loads(line)
    except json.JSONDecodeError as error:
        return f"The line is not valid JSON: {error}"
    if not isinstance(item, dict):
        return "The line must be a JSON object."
    wanted = {
        "USER_PERSONALIZATION": ("userId",),
        "PERSONALIZED_RANKING": ("userId", "itemList"),
        "RELATED_ITEMS": ("itemId",),
    }[recipe_type]
    missing = [key for key in wanted if not item.get(key)]
    if missing:
        return f"The line needs {', '.join(wanted)} for a {recipe_type} solution version."
    if "itemList" in wanted and not isinstance(item["itemList"], list):
        return "itemList must be a list of item ids."
    return item


def _chunk_scores(target: Target, chunk: list[dict[str, Any] | str]) -> np.ndarray:
    """Distribution scores (lines x items) of a chunk, computed together."""
    model = target.model
    if target.recipe.recipe_type == "USER_PERSONALIZATION":
        users = [model.user_index.get(str(i["userId"]), -1) if isinstance(i, dict) else -1
                 for i in chunk]  # fmt: skip
        return distribution(model.user_scores(np.array(users)))
    rows = []
    for item in chunk:
        raw = model.related_scores(str(item["itemId"])) if isinstance(item, dict) else None
        rows.append(model.popularity if raw is None else raw)
    return distribution(np.vstack(rows))


def _ranked_line(
    service: Service,
    target: Target,
    item: dict[str, Any] | str,
    line: str,
    filter_arn: str | None,
) -> str:
    if isinstance(item, str):
        return _error_line(line, item)
    try:
        keep = keep_mask(service, target, filter_arn, item.get("userId"), item.get("filterValues"))
        ranked = rank(target, str(item["userId"]), [str(i) for i in item["itemList"]], keep)
    except ServiceError as error:
        return _error_line(item, error.message)
    return _output_line(item, [r["itemId"] for r in ranked], [r.get("score", 0.0) for r in ranked])


def _output_line(item: dict[str, Any], items: list[str], scores: list[float]) -> str:
    output = {"recommendedItems": items, "scores": [round(s, 6) for s in scores]}
    return json.dumps({"input": item, "output": output, "error": None}) + "\n"


def _error_line(item: dict[str, Any] | str, error: str) -> str:
    return json.dumps({"input": item, "output": None, "error": error}) + "\n"


HANDLERS: dict[str, Handler] = {
    "CreateBatchInferenceJob": create_batch_inference_job,
}
JOBS: dict[tuple[str, str], Work] = {
    (KIND.name, "CREATE"): _run,
}
