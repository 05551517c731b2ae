"""Prefect flows: provision, retrain, batch inference, teardown; the demo entry point."""
