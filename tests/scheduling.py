"""How ``make test`` spreads the tests over pytest-xdist's workers (``--dist loadgroup``)."""

from __future__ import annotations

from typing import Any

from xdist.scheduler import LoadScopeScheduling

E2E = "tests/e2e"
"""The end-to-end tests' folder: they share one local stack."""


def shared_scope(nodeid: str) -> str:
    """The unit of work a test is sent to an xdist worker in: its module, or ``tests/e2e``.

    The end-to-end tests share one local stack (a Prefect server, a worker, deployments, a
    first retrain) and go to one worker; the tests of a module go together, so that its
    module-scoped fixtures are built once, not once per worker.
    """
    path = nodeid.split("::")[0]
    return E2E if path.startswith(E2E + "/") else path


LONG_FIRST = (E2E, "tests/flows/")
"""Scopes whose tests run long (the local stack's; a flow run or two per test), sent out first
so that the many short modules fill the end of the run on every worker."""


def scope_rank(scope: str, tests: int) -> tuple[int, int]:
    """The order scopes are sent out in: those of :data:`LONG_FIRST` in its order, then the
    others; within each, the scopes with more tests first."""
    rank = next((i for i, prefix in enumerate(LONG_FIRST) if scope.startswith(prefix)), 2)
    return rank, -tests


class SharedScopeScheduling(LoadScopeScheduling):
    """xdist's ``loadscope`` scheduling with :func:`shared_scope` as the scope, sent out in the
    order of :func:`scope_rank` (xdist's own order, most tests first, sent the longest single
    flow tests last: the run ended with one worker on them and the other idle).

    (``--dist loadgroup`` with ``xdist_group`` marks would say the same, but pytest-xdist 3.8
    renames the tests by ``item._nodeid``, which pytest 9 no longer reads: the marks are lost.)
    """

    def _split_scope(self, nodeid: str) -> str:
        return shared_scope(nodeid)

    def _assign_work_unit(self, node: Any) -> None:
        """Send the node the first scope left in :func:`scope_rank`'s order."""
        first = min(self.workqueue.items(), key=lambda unit: scope_rank(unit[0], len(unit[1])))
        self.workqueue.move_to_end(first[0], last=False)
        super()._assign_work_unit(node)
