"""Benchmarks against their floors: `python -m bench --scale N [--quick]` (see bench/run.py)."""
