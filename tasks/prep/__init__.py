"""Preparing raw interactions, items and users into Personalize import folders.

Plain functions do the work (``pipeline.prepare`` and the modules it composes: reading and
routing of source splits, normalise/timestamps, per-partition rules in ``partition`` with
fingerprint/duplicates/counting/cleaning, checks, writing, figures and report); ``runners``
maps its steps' jobs as Dask futures on a Dask task runner's cluster; ``prepare_dataset`` (``task.py``) runs
it where the configuration says and publishes the data report.
"""
