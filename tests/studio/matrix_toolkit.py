"""Matrix rows of the studio toolkit pages (see tests/studio/matrix.py)."""

MATRIX: dict = {}
