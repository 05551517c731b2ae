"""After a retrain: each new version's verdict recorded on it, each solution's history shown.

1. Every trained version is tagged with its outcome and the gate's verdict
   (:func:`tasks.history.record_outcome`), so the history is rebuilt from AWS alone.
2. Each solution's metrics history (chart and table) is published as an artifact; the lineage
   names its key, linked to this version's page in the Prefect UI when the UI's address is set.
"""

from __future__ import annotations

from collections.abc import Sequence

from prefect.settings import get_current_settings

from flows.outcomes import SolutionOutcome
from tasks.aws import AwsSettings
from tasks.history import Decided, history_key, publish_metrics_history, record_outcome


def publish_histories(aws: AwsSettings, outcomes: Sequence[SolutionOutcome]) -> dict[str, str]:
    """Record each outcome on its version, publish each solution's history; solution -> link."""
    links = {}
    for outcome in outcomes:
        trained = outcome.trained
        passed = outcome.gate.passed if outcome.gate is not None else None
        record_outcome(aws, trained.version, outcome.status, passed, decided(outcome))
        artifact = publish_metrics_history(aws, trained.name, trained.arn)
        links[trained.name] = artifact_link(history_key(trained.name), artifact)
    return links


def decided(outcome: SolutionOutcome) -> Decided | None:
    """The paired comparison that decided on the outcome's version, when one was made."""
    gate = outcome.trained.solution.gate
    comparison = outcome.gate.holdout if outcome.gate is not None else None
    if gate is None or gate.holdout is None or comparison is None or comparison.unavailable:
        return None
    found = comparison.serving.get(gate.holdout.metric)
    if found is None:
        return None
    return Decided(
        found.relative, found.relative_low, found.relative_high, gate.holdout.max_drop, found.users
    )


def artifact_link(key: str, artifact: str) -> str:
    """Markdown naming the artifact ``key``, a link to its page when the UI's address is set."""
    ui = get_current_settings().ui_url
    return f"[{key}]({ui.rstrip('/')}/artifacts/artifact/{artifact})" if ui else f"`{key}`"
