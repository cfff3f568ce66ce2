"""Reproducible speed and quality benchmarks; `make bench` runs them and records the results."""
