"""Helpers for tests that drive the local Personalize service (its own suite and the pipeline's)."""
