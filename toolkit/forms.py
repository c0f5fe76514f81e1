from django import forms
from django.utils.translation import gettext_lazy as _

from toolkit.models import Resource


class ToolkitSearchForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=200)
    folder = forms.ChoiceField(
        label=_("Folder"),
        required=False,
        choices=[("", _("All folders")), *Resource.Folder.choices],
    )
    category = forms.ChoiceField(
        label=_("Category"),
        required=False,
        choices=[("", _("All categories")), *Resource.Category.choices],
    )
