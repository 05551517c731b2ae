"""Prefect flows: provision, retrain, batch inference, teardown (the demo is in ``local/``)."""
