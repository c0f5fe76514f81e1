from django import forms
from django.utils.translation import gettext_lazy as _

SEARCH_MAX_LENGTH = 200


class CatalogSearchForm(forms.Form):
    q = forms.CharField(
        label=_("Search the catalog"),
        required=False,
        max_length=SEARCH_MAX_LENGTH,
        strip=True,
        error_messages={
            "max_length": _(
                "Search for up to %(limit_value)d characters (this search has %(show_value)d): "
                "try fewer words."
            ),
        },
    )
