"""Ids read from what a client sent: a form field, a field's name, a URL."""

from __future__ import annotations

# A positive 64-bit primary key has at most 19 digits, and every 18-digit number fits one.
MAX_ID_DIGITS = 18


def parse_id(value: object) -> int | None:
    """The id ``value`` spells in ASCII digits, or None for anything that cannot name a row:
    other characters (superscripts, Arabic-Indic digits, NUL bytes, signs, spaces) and more
    digits than a key holds, which the database would refuse with an error."""
    if (
        isinstance(value, str)
        and value.isascii()
        and value.isdigit()
        and len(value) <= MAX_ID_DIGITS
    ):
        return int(value)
    return None
