from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core import signing
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from accounts.http import AuthenticatedHttpRequest
from accounts.models import User
from accounts.selectors import supervises_any
from reminders.models import EmailPreference, Reminder
from reminders.sending import read_unsubscribe_token

FIELD_FOR_KIND = {Reminder.Kind.INACTIVE: "inactive_nudges", Reminder.Kind.DIGEST: "weekly_digest"}


class PreferenceForm(forms.ModelForm):
    """The optional emails a person may choose: the weekly digest of overdue learners only for
    someone who supervises an agency (a learner's posted digest field is not a field here, so
    it changes nothing)."""

    class Meta:
        model = EmailPreference
        fields = ["inactive_nudges", "weekly_digest"]

    def __init__(self, *args: Any, supervisor: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not supervisor:
            del self.fields["weekly_digest"]


@require_http_methods(["GET", "POST"])
def preferences(request: AuthenticatedHttpRequest) -> HttpResponse:
    # Read, not created: the row is written only when a valid form is saved (a page view, or
    # a refused submission, writes nothing).
    preference = EmailPreference.objects.filter(user=request.user).first()
    form = PreferenceForm(
        # Bound on every POST: unticking every box posts no field at all.
        request.POST if request.method == "POST" else None,
        instance=preference or EmailPreference(user=request.user),
        supervisor=supervises_any(request.user),
    )
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, gettext("Your email preferences are saved."))
        return redirect("reminders:preferences")
    return render(request, "reminders/preferences.html", {"form": form})


@login_not_required
@csrf_exempt  # RFC 8058 one-click: mail clients POST with no session; the signed token is the key
@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """Stop one optional kind of email. GET asks; POST (the button, or a one-click client) acts."""
    try:
        data = read_unsubscribe_token(token)
        field = FIELD_FOR_KIND[data["k"]]
        user = User.objects.get(pk=data["u"])
    except (signing.BadSignature, KeyError, TypeError, User.DoesNotExist):
        return render(request, "reminders/unsubscribe.html", {"invalid": True}, status=404)
    label = Reminder.Kind(data["k"]).label
    if request.method == "POST":
        EmailPreference.objects.update_or_create(user=user, defaults={field: False})
        return render(request, "reminders/unsubscribe.html", {"done": True, "label": label})
    return render(request, "reminders/unsubscribe.html", {"label": label})
