"""Retake's benchmarks: `python -m bench [ID ...]` (or `make bench`) runs them."""
