"""A retrain under 30% throttling of every call gives what it gives without, and says so.

The shared local service throttles 30% of every Personalize request (control plane, runtime
and events; its ``throttle`` fault, as ``--throttle 0.3``) for one retrain, then is cleared.
The run must complete with the same data imported, the same outcome and the same
recommendations as a retrain of the same data unthrottled, and its log must account for every
throttled request: botocore retried each one, and each retried call logged its retries.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path
from typing import Any

import httpx
import pytest

from flows.retrain import retrain
from flows.run_state import run_result
from personalize_local.process import LocalService
from personalize_local.testing.helpers import arm_faults
from tests.pipelines import Pipeline, make_pipeline

DATA_FIGURES = ("dataset_type", "import_etag", "import_mode", "rows", "time_start", "time_end")
RETRIED = re.compile(r"^\w+ (?:succeeded|failed) after \d+ retries over [\d.]+ s \((.*)\)$")


def run(pipeline: Pipeline) -> Any:
    """A retrain of the gated solution without batch refresh; its final state."""
    gated = next(s.name for s in pipeline.config.solutions if s.campaign)
    return retrain(
        config_path=pipeline.config_path, solutions=[gated], batch=False, return_state=True
    )


def outcome(state: Any) -> dict[str, Any]:
    """What a retrain produced, without what names the run (ARNs, names, times, metrics)."""
    assert state.is_completed(), state.message
    lineage = run_result(state)
    return {
        "data": [{k: d[k] for k in DATA_FIGURES} for d in lineage["data"]],
        "solutions": [
            {
                "outcome": s["outcome"],
                "gate": s["gate"]["passed"],
                "promotion": s["promotion"]["outcome"],
                "recommendations": s["promotion"]["sample"],
            }
            for s in lineage["solutions"]
        ],
    }


def throttled(service: LocalService) -> int:
    """How many requests the service has throttled since the fault was armed."""
    url = service.env["AWS_ENDPOINT_URL_PERSONALIZE"] + "/_emulator/faults"
    return int(httpx.get(url).json()["throttled"])


@pytest.mark.slow
@pytest.mark.timeout(600)
def test_a_retrain_under_30_percent_throttling_gives_the_same_result(
    prefect_api: None,
    local_service: LocalService,
    s3: Any,
    tmp_path: Path,
    unique: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    (tmp_path / "calm").mkdir()
    (tmp_path / "rough").mkdir()
    calm = make_pipeline(tmp_path / "calm", s3, f"{unique}c")
    rough = make_pipeline(tmp_path / "rough", s3, f"{unique}t")
    expected = outcome(run(calm))
    arm_faults(local_service, {"throttle": 0.3})
    try:
        with caplog.at_level(logging.WARNING):
            state = run(rough)
        seen = throttled(local_service)
    finally:
        arm_faults(local_service, {"clear": True})
    assert outcome(state) == expected
    assert expected["solutions"][0]["recommendations"]

    retried = [m for r in caplog.records if (m := RETRIED.match(r.getMessage()))]
    logged = sum(
        int(count)
        for match in retried
        for count, code in re.findall(r"(\d+)x (\w+)", match.group(1))
        if code == "ThrottlingException"
    )
    assert seen >= 5, seen  # 27 in one trial: 30% of about 90 requests
    assert logged == seen, f"{len(retried)} retried calls logged {logged} of {seen} throttles"
