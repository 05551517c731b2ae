"""Benchmarks (run with make targets, never by the tests)."""
