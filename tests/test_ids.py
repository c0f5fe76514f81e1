"""Ids read from what a client sent (``lms.ids.parse_id``)."""

import pytest

from lms.ids import parse_id


@pytest.mark.parametrize(("text", "expected"), [("1", 1), ("007", 7), ("9" * 18, int("9" * 18))])
def test_ascii_digits_of_a_key_are_an_id(text, expected):
    assert parse_id(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "",
        " 1",
        "1 ",
        "-1",
        "+1",
        "1.0",
        "1e3",
        "\u00b2",
        "\u0663",
        "\uff11",
        "1\x00",
        "9" * 19,
        None,
        5,
    ],
)
def test_anything_else_is_no_id(text):
    """Signs, spaces, other digits, NUL bytes, more digits than a key holds, non-strings."""
    assert parse_id(text) is None
