"""``{{ value|hours }}``: credit hours as people write them in the page's language (24, 1.5;
1,5 in Spanish), not 24.00."""

from django import template

from certificates.display import hours_display

register = template.Library()
register.filter("hours", hours_display)
