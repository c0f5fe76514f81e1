"""Matrix rows of the studio stats pages (see tests/studio/matrix.py)."""

MATRIX: dict = {}
