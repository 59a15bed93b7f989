"""`make bench`: speed and memory targets, as ratios against a baseline measured in the same run.

Absolute timings and byte counts depend on the machine; a ratio against a naive way of
doing the same work, measured seconds earlier in the same process, does not (much).
See `python -m benchmarks --help`.

Django and the apps are imported inside the functions throughout this package, on
purpose: `python -m benchmarks` first makes a private temporary directory and
database and sets the environment (DEBUG off, fresh secrets), and Django must not read its
settings before that.
"""
