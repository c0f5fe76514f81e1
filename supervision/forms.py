from django import forms
from django.utils.translation import gettext_lazy as _

from supervision.selectors import SORTS, STATUS_LABELS, STATUSES, Filters


class LearnerFilterForm(forms.Form):
    q = forms.CharField(label=_("Name or email"), required=False, max_length=100)
    series = forms.TypedChoiceField(label=_("Series"), required=False, coerce=int, empty_value=None)
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("Any status")), *((s, STATUS_LABELS[s]) for s in STATUSES)],
    )
    overdue = forms.BooleanField(label=_("Overdue only"), required=False)
    sort = forms.ChoiceField(
        required=False,
        choices=[(key, key) for key in SORTS] + [(f"-{key}", f"-{key}") for key in SORTS],
        widget=forms.HiddenInput,
    )

    def __init__(self, *args, series_choices: list[tuple[int, str]], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["series"].choices = [("", _("All series")), *series_choices]
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
