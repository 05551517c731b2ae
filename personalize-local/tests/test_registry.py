"""The registry names what the service implements; nothing registers itself on import."""

from __future__ import annotations

import types

import pytest

from personalize_local.registry import MODULES, build, registry


def test_every_module_contributes_and_jobs_have_work() -> None:
    found = registry()
    for module in MODULES:
        assert module.HANDLERS, module.__name__
        assert set(module.HANDLERS) <= set(found.handlers)
    assert {"GetRecommendations", "GetPersonalizedRanking"} <= found.inline
    # The work resumed jobs need is there from the start (issue 10, item 6).
    assert ("solution-version", "CREATE") in found.jobs
    assert ("dataset-import-job", "CREATE") in found.jobs
    assert ("campaign", "UPDATE") in found.jobs


def test_unknown_operation_names_and_duplicates_are_refused() -> None:
    handler = MODULES[0].HANDLERS[next(iter(MODULES[0].HANDLERS))]
    typo = types.SimpleNamespace(__name__="typo", HANDLERS={"CreateSchemas": handler})
    with pytest.raises(ValueError, match="CreateSchemas is not a Personalize operation"):
        build([typo])
    with pytest.raises(ValueError, match="registered twice"):
        build([MODULES[0], MODULES[0]])


def test_an_empty_registry_serves_nothing() -> None:
    assert not build([]).handlers
