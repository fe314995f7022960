"""Benchmarks against the peers; scripts that print tables, not tests."""
