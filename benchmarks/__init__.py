"""Benchmarks: `make bench` (or `python -m benchmarks`) measures and writes RESULTS.md."""
