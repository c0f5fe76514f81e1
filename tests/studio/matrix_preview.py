"""Matrix rows of the studio preview pages (see tests/studio/matrix.py)."""

MATRIX: dict = {}
