"""Issue 22, item 5, through the real path: a holdout too small to decide asks a person.

With ``when_undecided: approval`` and a ``max_drop`` no holdout of the demo's size can tell
(0.1%), the second retrain's gate table says "too few held-out users to decide (±Y% at N
users)" and the run waits for a person's approval although ``require_approval`` is off; the
approved version is promoted.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest
from prefect.flow_runs import resume_flow_run

from flows.retrain import retrain
from flows.run_state import run_result
from local.sample_data import SampleSize
from tests.flows.paused_runs import paused_run
from tests.pipelines import make_pipeline

pytestmark = pytest.mark.slow

GATE = {"holdout": {"days": 7, "max_drop": 0.001, "when_undecided": "approval"}}


@pytest.mark.timeout(600)
def test_an_undecided_holdout_waits_for_a_person(
    prefect_api: None, local_service: Any, s3: Any, tmp_path: Path, unique: str
) -> None:
    pipeline = make_pipeline(tmp_path, s3, unique, SampleSize(), gate=GATE)
    solution = next(s for s in pipeline.config.solutions if s.campaign)
    only = [solution.name]
    first = retrain(
        config_path=pipeline.config_path, solutions=only, batch=False, return_state=True
    )
    assert first.is_completed(), first.message
    result: dict[str, Any] = {}

    def second() -> None:
        result["state"] = retrain(
            config_path=pipeline.config_path,
            interactions_uri=pipeline.exports.all_interactions,
            solutions=only,
            batch=False,
            return_state=True,
        )

    thread = threading.Thread(target=second)
    thread.start()
    answer = {"approve": True, "reviewer": "qa", "comment": "small holdout, looked fine"}
    resume_flow_run(paused_run(thread).id, run_input=answer)
    thread.join(300)

    state = result["state"]
    assert state.is_completed(), state.message
    record = next(s for s in run_result(state)["solutions"] if s["solution"] == solution.name)
    assert record["outcome"] == "promoted"
    assert record["approval"]["reviewer"] == "qa"
    assert "too few held-out users to decide" in record["gate"]["needs_approval"]
    rows = record["gate"]["rows"]
    (paired,) = [
        r for r in rows if r["metric"].endswith(" users)") and "new users" not in r["metric"]
    ]
    assert paired["result"] == "skipped" and "the metric rules and a person" in paired["why"]
