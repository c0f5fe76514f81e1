"""Matrix rows of the studio questions pages (see tests/studio/matrix.py)."""

MATRIX: dict = {}
