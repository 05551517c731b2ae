"""The registry names what the service implements; nothing registers itself on import."""

from __future__ import annotations

import types

import botocore.session
import pytest

from personalize_facts.durations import TYPICAL_SECONDS
from personalize_local.kinds import KINDS
from personalize_local.registry import MODULES, build, registry
from personalize_local.resources import generated_handlers


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


def test_the_kinds_table_names_what_botocores_model_answers() -> None:
    """Each generated Describe answers under the kind's member, each generated List under its
    list key, and takes its parent's ARN member (botocore's Personalize model)."""
    model = botocore.session.get_session().get_service_model("personalize")
    generated = [(kind, name) for kind in KINDS.values() for name in generated_handlers(kind)]
    assert len(generated) == sum(len(kind.generated) for kind in KINDS.values())
    for kind, name in generated:
        operation = model.operation_model(name)
        answered = set(operation.output_shape.members)
        if name.startswith("Describe"):
            assert kind.member in answered, name
            assert kind.arn_member in operation.input_shape.members, name
        else:
            assert kind.list_key in answered, name
            parent = KINDS[kind.parent].arn_member if kind.parent else None
            taken = {m for m in operation.input_shape.members if m.endswith("Arn")}
            assert taken == ({parent} if parent else set()), name


def test_a_job_takes_its_verbs_typical_duration_where_one_is_known() -> None:
    """personalize_facts.durations: stopping a recommender takes minutes, training it an hour."""
    recommender = KINDS["recommender"]
    assert recommender.seconds("STOP") == TYPICAL_SECONDS["recommender-stop"]
    assert recommender.seconds("CREATE") == recommender.seconds("RETRAIN")
    assert recommender.seconds("CREATE") == TYPICAL_SECONDS["recommender"]
    assert KINDS["dataset"].seconds("UPDATE") == TYPICAL_SECONDS["dataset-update"]
