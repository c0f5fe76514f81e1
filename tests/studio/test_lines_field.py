"""A field edited as one line per item (topics, objectives) refuses a NUL character with the
form's message instead of failing the save (PostgreSQL cannot hold it in JSON): found by the
body fuzz on PostgreSQL."""

import pytest

from studio.forms.content import LinesField


def test_lines_are_split_and_trimmed():
    assert LinesField(required=False).clean(" First \n\n second\r\n") == ["First", "second"]


@pytest.mark.parametrize("text", ["\x00", "a topic\x00", "one\n\x00two"])
def test_a_nul_character_is_refused_with_the_forms_message(text):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError, match="Null characters are not allowed"):
        LinesField(required=False).clean(text)
