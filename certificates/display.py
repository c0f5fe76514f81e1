"""Credit hours as people write them (24, 1.5, 0.25), not 24.00, with the decimal separator of
the active language (1,5 in Spanish)."""

from decimal import Decimal, InvalidOperation

from django.utils import formats


def hours_display(value: object) -> str:
    """The hours to two places at most, trailing zeros dropped, in the active language's
    decimal separator; "" for what is not a number."""
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return ""
    if not number.is_finite():
        return ""
    text = f"{number.quantize(Decimal('0.01')):f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text.replace(".", str(formats.get_format("DECIMAL_SEPARATOR")))
