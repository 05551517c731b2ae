"""Prefect flows: provision, retrain, batch inference, teardown (the demo is in ``local/``).

Importing them makes the run's process outlive its console (:mod:`flows.console`): a worker
that dies no longer takes its runs with it.
"""

from flows.console import survive_lost_console

survive_lost_console()
