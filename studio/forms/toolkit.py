"""Studio forms of the resource toolkit: they parse and label; the rules are in
``toolkit.services``."""

from __future__ import annotations

from typing import cast

from django import forms
from django.utils.translation import gettext_lazy as _

from toolkit.forms import ToolkitSearchForm
from toolkit.models import Resource


class ResourceForm(forms.ModelForm):
    # Declared here for its scheme: "www.ncmec.org" is taken as https://www.ncmec.org.
    url = forms.URLField(
        label=_("Web address (URL)"),
        max_length=500,
        assume_scheme="https",
        help_text=_("The publisher's page or document, e.g. https://www.ncmec.org/…"),
    )

    class Meta:
        model = Resource
        fields = ["title", "url", "source", "description", "folder", "category", "slug"]
        labels = {"source": _("Source organization")}
        help_texts = {
            "slug": _("Part of the resource's address. Leave empty to make one from the title."),
            "source": _("Who publishes it, e.g. NCMEC or National Children's Alliance."),
            "description": _("One or two sentences: what it is and who it helps."),
        }
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            # Course imports and the seed name resources by slug: it stays as it is.
            del self.fields["slug"]
        else:
            self.fields["slug"].required = False
        cast(forms.ChoiceField, self.fields["folder"]).choices = [
            ("", _("Choose a folder")),
            *Resource.Folder.choices,
        ]
        cast(forms.ChoiceField, self.fields["category"]).choices = [
            ("", _("Choose a category")),
            *Resource.Category.choices,
        ]

    def data_for_service(self) -> dict[str, str]:
        return {name: self.cleaned_data[name] for name in self.fields}


class StudioToolkitSearchForm(ToolkitSearchForm):
    """The learners' toolkit search, with the link status and retired resources besides."""

    STATES = [
        ("", _("All")),
        ("listed", _("Listed")),
        ("retired", _("Retired")),
    ]

    link_status = forms.ChoiceField(
        label=_("Link"),
        required=False,
        choices=[("", _("Any link status")), *Resource.LinkStatus.choices],
    )
    state = forms.ChoiceField(label=_("Listed or retired"), required=False, choices=STATES)
