"""Prefect flows: provision, retrain, batch inference, teardown (the demo is in ``local/``).

Importing them makes the run's process outlive its console (:mod:`flows.console`): a worker
that dies no longer takes its runs with it; and a run stopped by an expected stop (a configuration
error, a data check, ...) logs it in one line (:mod:`flows.one_line_errors`).
"""

from flows.console import survive_lost_console
from flows.one_line_errors import one_line_stops

survive_lost_console()
one_line_stops()
