"""Benchmarks (`make bench`): synthetic borough data, workloads timed against named baselines."""
