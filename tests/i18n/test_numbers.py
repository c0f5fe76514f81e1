"""Numbers follow the page's language: credit hours read 1.5 in English and 1,5 in Spanish, on
pages, in the PDFs and in the hours a certificate carries."""

from decimal import Decimal

import pytest
from django.template import Context, Template
from django.utils import translation

from certificates.display import hours_display
from certificates.models import Certificate


@pytest.mark.parametrize(
    ("value", "english", "spanish"),
    [
        (Decimal("1.50"), "1.5", "1,5"),
        (Decimal("24.00"), "24", "24"),
        (Decimal("0.25"), "0.25", "0,25"),
        (Decimal("100"), "100", "100"),
        ("12.5", "12.5", "12,5"),
        ("not a number", "", ""),
        (Decimal("NaN"), "", ""),
    ],
)
def test_hours_use_the_languages_decimal_separator(value, english, spanish):
    with translation.override("en"):
        assert hours_display(value) == english
    with translation.override("es"):
        assert hours_display(value) == spanish


def test_the_hours_filter_and_a_certificates_hours_follow_the_language():
    template = Template("{% load credit_hours %}{{ value|hours }}")
    certificate = Certificate(credit_hours=Decimal("1.50"))
    with translation.override("es"):
        assert template.render(Context({"value": Decimal("7.75")})) == "7,75"
        assert certificate.hours_text == "1,5"
    with translation.override("en"):
        assert template.render(Context({"value": Decimal("7.75")})) == "7.75"
        assert certificate.hours_text == "1.5"
