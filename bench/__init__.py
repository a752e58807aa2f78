"""Benchmarks that print ratios against a raw-SQL baseline measured in the same run.

``python -m bench sweep [--orders N]`` — see bench/README.md.
"""
