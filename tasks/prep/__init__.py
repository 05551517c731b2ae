"""Preparing raw interactions, items and users into Personalize import files."""
