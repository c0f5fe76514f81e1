from allauth.account.forms import AddEmailForm as AllauthAddEmailForm
from allauth.account.forms import SignupForm as AllauthSignupForm
from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import PREFERRED_LANGUAGES
from accounts.selectors import mfa_enrollment_needs_email_code


class SignupForm(AllauthSignupForm):
    full_name = forms.CharField(
        label=_("Full name"),
        max_length=150,
        help_text=_("As it should appear on your certificates."),
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )

    field_order = ["full_name", "email", "password1", "password2"]

    def save(self, request):
        user = super().save(request)
        user.full_name = self.cleaned_data["full_name"].strip()
        user.save(update_fields=["full_name"])
        return user


class AddEmailForm(AllauthAddEmailForm):
    """allauth's form for adding an email address, refused while the user's first
    authenticator still waits for the emailed code: otherwise whoever holds the password could
    add and verify an address of their own, make it primary and receive the code there."""

    def clean_email(self) -> str:
        if mfa_enrollment_needs_email_code(self.user):
            raise forms.ValidationError(
                _(
                    "Your role requires two-factor authentication: turn it on first, then "
                    "add another email address. If you cannot read your current address, ask "
                    "your administrator to change it."
                )
            )
        return super().clean_email()


class ProfileForm(forms.Form):
    """The profile as the user edits it; the view hands the cleaned values to ``profile_update``."""

    full_name = forms.CharField(
        label=_("Full name"),
        max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
        error_messages={"required": _("Give your full name.")},
    )
    certificate_name = forms.CharField(
        label=_("Name on certificates"),
        max_length=150,
        required=False,
        help_text=_(
            "As it should appear on your certificates; leave empty to use your full name. "
            "Certificates already issued keep the name they were issued with."
        ),
    )
    officer_id = forms.CharField(
        label=_("Officer ID"),
        max_length=50,
        required=False,
        help_text=_("Your state certification number (POST, DPSST, ...), if you have one."),
    )
    preferred_language = forms.ChoiceField(
        label=_("Preferred language"),
        required=False,
        choices=[("", _("The language my browser asks for"))]
        + [(code, label) for code, label in PREFERRED_LANGUAGES],
    )

    def clean_full_name(self) -> str:
        return " ".join(self.cleaned_data["full_name"].split())

    def clean_certificate_name(self) -> str:
        return " ".join(self.cleaned_data["certificate_name"].split())

    def clean_officer_id(self) -> str:
        return self.cleaned_data["officer_id"].strip()


class MfaEmailCodeForm(forms.Form):
    """The code from the enrollment email, as typed (spaces and dashes allowed)."""

    code = forms.CharField(
        label=_("Code from the email"),
        max_length=20,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
        error_messages={"required": _("Type the 8-digit code from the email.")},
    )
