"""Benchmarks (``python bench/<name>.py``) and the data they measure on: ``bench.scale`` (also
behind ``manage.py seed_scale``) and ``bench.data``; ``bench.harness`` sets every one of them up."""
