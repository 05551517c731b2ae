"""Preparing raw interactions, items and users into Personalize import files.

Plain functions do the work (``pipeline.prepare`` and the modules it composes: reading,
normalise/timestamps, fingerprint/duplicates/counting, checks, writing, report); the Prefect
task ``prepare_dataset`` (``task.py``) runs it and publishes the data report.
"""
