import re
from datetime import date
from typing import cast

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import Agency, Membership, User
from courses.models import Assignment, EnrollmentStatus, Series
from supervision.selectors import SORTS, Filters


class LearnerFilterForm(forms.Form):
    q = forms.CharField(label=_("Name or email"), required=False, max_length=100)
    series = forms.TypedChoiceField(label=_("Series"), required=False, coerce=int, empty_value=None)
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("Any status")), *EnrollmentStatus.choices],
    )
    overdue = forms.BooleanField(label=_("Overdue only"), required=False)
    sort = forms.ChoiceField(
        required=False,
        choices=[(key, key) for key in SORTS] + [(f"-{key}", f"-{key}") for key in SORTS],
        widget=forms.HiddenInput,
    )

    def __init__(self, *args, series_choices: list[tuple[int, str]], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["series"]).choices = [
            ("", _("All series")),
            *series_choices,
        ]
        for name in ("series", "status"):
            self.fields[name].widget.attrs["class"] = "form-select"

    def filters(self) -> Filters:
        """The valid filters; anything invalid in the URL is dropped, never an error page."""
        if not self.is_bound:
            return Filters()
        self.is_valid()
        data = {k: v for k, v in self.cleaned_data.items() if k not in self.errors}
        sort = data.get("sort") or "status"
        return Filters(
            series=data.get("series"),
            status=data.get("status") or "",
            overdue=bool(data.get("overdue")),
            q=(data.get("q") or "").strip(),
            sort=sort.lstrip("-"),
            descending=sort.startswith("-"),
        )


class DueRuleForm(forms.Form):
    """When an assignment is due, and whether it recurs: the part a supervisor can change later."""

    due_rule = forms.ChoiceField(
        label=_("Due"),
        choices=[("date", _("On a date")), ("days", _("A number of days after assignment"))],
        initial="days",
        widget=forms.RadioSelect,
    )
    due_on = forms.DateField(
        label=_("Due date"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    due_in_days = forms.IntegerField(
        label=_("Days to complete"), required=False, min_value=1, max_value=3650, initial=30
    )
    recurrence_months = forms.IntegerField(
        label=_("Refresher every (months)"),
        required=False,
        min_value=1,
        max_value=120,
        help_text=_("Leave empty for a one-time assignment; 12 for an annual refresher."),
    )

    def __init__(self, *args, agency: Agency, today: date, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.agency, self.today = agency, today

    def clean(self) -> dict:
        data = super().clean() or {}
        if data.get("due_rule") == "date":
            if not data.get("due_on"):
                self.add_error("due_on", _("Give the due date."))
            elif data["due_on"] < self.today:
                self.add_error("due_on", _("The due date has already passed."))
            data["due_in_days"] = None
        elif data.get("due_rule") == "days":
            if not data.get("due_in_days"):
                self.add_error("due_in_days", _("Give the number of days."))
            data["due_on"] = None
        return data


class AssignmentChangeForm(DueRuleForm):
    """Change an assignment's due rule or recurrence; who it covers and the series stay."""

    def __init__(self, *args, assignment: Assignment, **kwargs) -> None:
        kwargs.setdefault(
            "initial",
            {
                "due_rule": "date" if assignment.due_on else "days",
                "due_on": assignment.due_on,
                "due_in_days": assignment.due_in_days,
                "recurrence_months": assignment.recurrence_months,
            },
        )
        super().__init__(*args, agency=assignment.agency, **kwargs)
        self.fields["due_in_days"].help_text = _(
            "Counted from the day each learner received the assignment."
        )


class AssignmentForm(DueRuleForm):
    """Assign a series: to the whole agency or to learners named by email, due by a date."""

    series = forms.ModelChoiceField(label=_("Series"), queryset=Series.objects.none())
    audience = forms.ChoiceField(
        label=_("Who"),
        choices=[
            ("everyone", _("Every learner of the agency, including those who join later")),
            ("chosen", _("Only the learners listed below")),
        ],
        initial="everyone",
        widget=forms.RadioSelect,
    )
    learner_emails = forms.CharField(
        label=_("Learners' email addresses"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("One per line, or separated by commas."),
    )
    field_order = [
        "series",
        "audience",
        "learner_emails",
        "due_rule",
        "due_on",
        "due_in_days",
        "recurrence_months",
    ]

    def __init__(self, *args, agency: Agency, today: date, **kwargs) -> None:
        super().__init__(*args, agency=agency, today=today, **kwargs)
        cast(forms.ModelChoiceField, self.fields["series"]).queryset = Series.objects.filter(
            status=Series.Status.PUBLISHED
        ).order_by("title")
        self.learners: list[User] = []

    def clean(self) -> dict:
        data = super().clean()
        if data.get("audience") == "chosen":
            emails = {
                e.strip().lower()
                for e in re.split(r"[\s,;]+", data.get("learner_emails") or "")
                if e.strip()
            }
            if not emails:
                self.add_error("learner_emails", _("List at least one learner's email address."))
            else:
                self.learners = list(
                    User.objects.filter(
                        email__in=emails,
                        memberships__agency=self.agency,
                        memberships__role=Membership.Role.LEARNER,
                    )
                )
                unknown = sorted(emails - {u.email for u in self.learners})
                if unknown:
                    self.add_error(
                        "learner_emails",
                        _("Not learners of %(agency)s: %(emails)s")
                        % {"agency": self.agency.name, "emails": ", ".join(unknown)},
                    )
        return data


class TrainingRuleForm(forms.Form):
    """The agency's continuing-training rule: hours of a credit type per cycle."""

    credit_type = forms.CharField(
        label=_("Credit type"),
        max_length=60,
        help_text=_("As the series carry it, e.g. “POST CPT”. One rule per credit type."),
    )
    hours_required = forms.DecimalField(
        label=_("Hours required per cycle"), min_value=0.25, max_digits=6, decimal_places=2
    )
    cycle_months = forms.IntegerField(
        label=_("Cycle length in months"),
        min_value=1,
        max_value=120,
        initial=24,
        help_text=_("24 for a two-year cycle."),
    )
    cycle_ends_on = forms.DateField(
        label=_("A cycle ends on"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_(
            "The last day of one cycle, e.g. 31 December of an even year for a two-year cycle "
            "ending then. Cycles follow one another from there, both ways."
        ),
    )


COMPLIANCE_SORTS = {
    "name": ("full_name", "email"),
    "email": ("email",),
    "officer": ("officer_id", "full_name"),
    "hours": ("hours", "full_name"),
}


class ComplianceFilterForm(forms.Form):
    q = forms.CharField(label=_("Name or email"), required=False, max_length=100)
    standing = forms.ChoiceField(
        label=_("Standing"),
        required=False,
        choices=[("", _("Everyone")), ("meets", _("Meets the rule")), ("short", _("Short"))],
    )
    sort = forms.ChoiceField(
        required=False,
        choices=[(k, k) for k in COMPLIANCE_SORTS] + [(f"-{k}", f"-{k}") for k in COMPLIANCE_SORTS],
        widget=forms.HiddenInput,
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["standing"].widget.attrs["class"] = "form-select"

    def values(self) -> dict[str, str]:
        """The valid filters; anything invalid in the URL is dropped, never an error page."""
        if not self.is_bound:
            return {"q": "", "standing": "", "sort": "hours"}
        self.is_valid()
        data = {k: v for k, v in self.cleaned_data.items() if k not in self.errors}
        return {
            "q": (data.get("q") or "").strip(),
            "standing": data.get("standing") or "",
            "sort": data.get("sort") or "hours",
        }
