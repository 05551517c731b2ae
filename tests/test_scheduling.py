"""The order in which ``make test`` sends its scopes of tests to the xdist workers."""

from __future__ import annotations

from collections import Counter

from tests.scheduling import scope_rank, shared_scope

NODEIDS = [
    "personalize-local/tests/test_engine.py::test_one",
    "tests/tasks/test_config.py::test_one",
    "tests/tasks/test_config.py::test_two",
    "tests/tasks/test_config.py::test_three",
    "tests/flows/test_locks.py::test_one",
    "tests/flows/test_retrain_holdout.py::test_one",
    "tests/flows/test_retrain_holdout.py::test_two",
    "tests/e2e/test_ui.py::test_one",
    "tests/e2e/test_survive.py::test_one",
]


def test_the_stack_tests_share_a_scope_and_other_tests_go_by_module() -> None:
    assert Counter(map(shared_scope, NODEIDS)) == {
        "tests/e2e": 2,
        "tests/flows/test_retrain_holdout.py": 2,
        "tests/flows/test_locks.py": 1,
        "tests/tasks/test_config.py": 3,
        "personalize-local/tests/test_engine.py": 1,
    }


def test_the_stack_then_the_flows_go_out_first_and_larger_scopes_before_smaller() -> None:
    sizes = Counter(map(shared_scope, NODEIDS))
    assert sorted(sizes, key=lambda scope: scope_rank(scope, sizes[scope])) == [
        "tests/e2e",
        "tests/flows/test_retrain_holdout.py",
        "tests/flows/test_locks.py",
        "tests/tasks/test_config.py",
        "personalize-local/tests/test_engine.py",
    ]
