"""Prefect tasks, one module per Personalize concern, and the plain modules they share."""
