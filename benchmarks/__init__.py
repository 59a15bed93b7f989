"""`make bench`: speed and memory targets, as ratios against a baseline measured in the same run.

Absolute timings and byte counts depend on the machine; a ratio against a naive way of
doing the same work, measured seconds earlier in the same process, does not (much).
See `python -m benchmarks --help`.
"""
