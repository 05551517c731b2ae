"""get_solution_metrics over HTTP: the keys a gate may use, as floats."""

from __future__ import annotations

import pytest

from tasks.config import METRICS
from tasks.errors import PersonalizeError
from tasks.metrics import get_solution_metrics
from tests.tasks.conftest import Trained


def test_metrics_of_a_trained_version(trained: Trained) -> None:
    metrics = get_solution_metrics(trained.aws, trained.versions[0])
    assert set(METRICS) <= set(metrics)
    assert all(isinstance(value, float) for value in metrics.values())
    assert 0.0 < metrics["coverage"] <= 1.0


def test_unknown_version_names_the_resource(trained: Trained) -> None:
    missing = trained.versions[0] + "-nope"
    with pytest.raises(PersonalizeError) as error:
        get_solution_metrics(trained.aws, missing)
    assert error.value.code == "ResourceNotFoundException"
    assert missing in str(error.value)
