"""The training engine: real models for the predefined recipes, their metrics, their storage.

``training.train`` turns a dataset group's interactions into a ``Model`` for a recipe and the
metrics Personalize reports; ``storage`` keeps models on disk; ``Model`` answers the runtime
and batch inference.
"""
