import struct
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from allauth.account.forms import AddEmailForm as AllauthAddEmailForm
from allauth.account.forms import SignupForm as AllauthSignupForm
from allauth.mfa.adapter import get_adapter as get_mfa_adapter
from allauth.mfa.webauthn import forms as webauthn_forms
from django import forms
from django.core.exceptions import ValidationError
from django.forms.fields import InvalidJSONInput, JSONString
from django.utils.translation import gettext_lazy as _

from accounts.models import PREFERRED_LANGUAGES
from accounts.selectors import mfa_enrollment_needs_email_code
from lms.jsonbody import JsonBodyRefused, parse_json_text


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


class BoundedJSONField(forms.JSONField):
    """Django's JSON field, read within the bounds of every JSON the site reads
    (``lms.jsonbody``: 64 KB, 8 levels, finite numbers). Python's parser recurses without
    limit: a deeply nested value was a ``RecursionError``, a 500."""

    def to_python(self, value: Any) -> Any:
        if self.disabled:
            return value
        if value in self.empty_values:
            return None
        if isinstance(value, list | dict | int | float | JSONString):
            return value
        try:
            converted = parse_json_text(value)
        except JsonBodyRefused as exc:
            raise ValidationError(
                self.error_messages["invalid"], code="invalid", params={"value": value}
            ) from exc
        return JSONString(converted) if isinstance(converted, str) else converted

    def bound_data(self, data: Any, initial: Any) -> Any:
        if self.disabled:
            return initial
        if data is None:
            return None
        try:
            return parse_json_text(data)
        except JsonBodyRefused:
            return InvalidJSONInput(data)


# What fido2's parsers raise on a malformed answer from a key (an id that is not its rawId,
# bad base64, CBOR or lengths, missing or mistyped members): allauth catches only some.
UNREADABLE_ANSWER = (TypeError, ValueError, KeyError, AttributeError, IndexError, struct.error)


@contextmanager
def _answer_read() -> Iterator[None]:
    """A key's answer that cannot be read is refused like a wrong one ("Incorrect code"), not
    a 500 (found by the fuzz: ``{"id": "", "rawId": "0", ...}``)."""
    try:
        yield
    except UNREADABLE_ANSWER as exc:
        raise get_mfa_adapter().validation_error("incorrect_code") from exc


class AddWebAuthnForm(webauthn_forms.AddWebAuthnForm):
    """allauth's form to add a security key or passkey (``MFA_FORMS``), reading the key's
    answer safely."""

    credential = BoundedJSONField(required=True, widget=forms.HiddenInput)

    def clean_credential(self) -> Any:
        """An answer is a JSON object. allauth checks only a truthy one: ``false``, ``0`` or
        ``{}`` skipped the check and was stored as a key that is none, which counted as two-
        factor authentication turned on (found by the fuzz: the audit record of it was a
        500)."""
        credential = self.cleaned_data["credential"]
        if not isinstance(credential, dict) or not credential:
            raise get_mfa_adapter().validation_error("incorrect_code")
        return credential

    def clean(self) -> dict:
        with _answer_read():
            return super().clean()


class AuthenticateWebAuthnForm(webauthn_forms.AuthenticateWebAuthnForm):
    """The key as the second factor at sign-in, reading its answer safely."""

    credential = BoundedJSONField(required=True, widget=forms.HiddenInput)

    def clean_credential(self) -> Any:
        with _answer_read():
            return super().clean_credential()


class LoginWebAuthnForm(webauthn_forms.LoginWebAuthnForm):
    """Signing in with a passkey alone, reading its answer safely."""

    credential = BoundedJSONField(required=True, widget=forms.HiddenInput)

    def clean_credential(self) -> Any:
        with _answer_read():
            return super().clean_credential()


class ReauthenticateWebAuthnForm(webauthn_forms.ReauthenticateWebAuthnForm):
    """Confirming it is you with a key, reading its answer safely."""

    credential = BoundedJSONField(required=True, widget=forms.HiddenInput)

    def clean_credential(self) -> Any:
        with _answer_read():
            return super().clean_credential()
