"""``{{ value|hours }}``: credit hours as people write them (24, 1.5, 0.25), not 24.00."""

from decimal import Decimal, InvalidOperation

from django import template

register = template.Library()


@register.filter
def hours(value: object) -> str:
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return ""
    text = f"{number.quantize(Decimal('0.01')):f}"
    return text.rstrip("0").rstrip(".") if "." in text else text
