"""A date field is an <input type="date">, whose value is ISO 8601 in every language: in Spanish
Django would write "31/12/2026", which the browser cannot read (the field shows empty and a
save loses the date)."""

from datetime import date

import pytest
from django.utils import translation

from accounts.models import Agency
from supervision.forms import DueRuleForm, TrainingRuleForm


def _agency() -> dict:
    return {"agency": Agency(name="Anytown PD", slug="anytown"), "today": date(2026, 12, 4)}


@pytest.mark.parametrize("language", ["en", "es"])
def test_date_inputs_carry_iso_dates_in_every_language(language):
    with translation.override(language):
        rule = TrainingRuleForm(initial={"cycle_ends_on": date(2026, 12, 31)})
        due = DueRuleForm(initial={"due_rule": "date", "due_on": date(2027, 1, 5)}, **_agency())
        assert 'value="2026-12-31"' in str(rule["cycle_ends_on"])
        assert 'value="2027-01-05"' in str(due["due_on"])


def test_a_spanish_page_reads_the_iso_date_the_browser_sends():
    with translation.override("es"):
        form = DueRuleForm(data={"due_rule": "date", "due_on": "2027-01-05"}, **_agency())
        form.is_valid()
        assert form.cleaned_data.get("due_on") == date(2027, 1, 5)
