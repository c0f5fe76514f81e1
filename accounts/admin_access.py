"""Who may sign in and with what powers, as staff change it in Django admin: deactivation and
reactivation go through ``accounts.services`` (sessions ended, reminders cancelled, audited);
changes of the staff flags and of groups (the Authors group) are audited where admin saves them.
Kept apart from ``accounts.admin`` so each concern reads on its own."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from accounts.services import AccountRefused, user_deactivate, user_reactivate
from audit.services import audit_record

ACTIVE_BOX_REASON = "“Active” unticked on the account's admin page."
STAFF_FLAGS = ("is_staff", "is_superuser")


class DeactivateForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for deactivating"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        help_text=_("Kept in the security audit log."),
    )


def _staff(request: HttpRequest) -> User:
    assert isinstance(request.user, User)  # Django admin: a signed-in staff user
    return request.user


@admin.action(description=_("Deactivate the selected accounts (asks for the reason)"))
def deactivate(
    modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet[User]
) -> HttpResponse | None:
    """First the page that asks for the reason; its submit comes back here with ``apply``."""
    active = queryset.filter(is_active=True).order_by("email")
    form = DeactivateForm(request.POST if "apply" in request.POST else None)
    if form.is_valid():
        done = 0
        for user in active:
            try:
                user_deactivate(
                    user=user,
                    by=_staff(request),
                    reason=form.cleaned_data["reason"],
                    request=request,
                )
            except AccountRefused as refusal:
                modeladmin.message_user(
                    request,
                    gettext("%(email)s: %(refusal)s") % {"email": user.email, "refusal": refusal},
                    messages.ERROR,
                )
            else:
                done += 1
        if done:
            modeladmin.message_user(
                request,
                ngettext(
                    "Deactivated %(count)d account: it can no longer sign in, its sessions "
                    "ended, and it receives no reminders.",
                    "Deactivated %(count)d accounts: they can no longer sign in, their sessions "
                    "ended, and they receive no reminders.",
                    done,
                )
                % {"count": done},
                messages.SUCCESS,
            )
        return None
    if not active.exists():
        modeladmin.message_user(request, gettext("The selected accounts are inactive already."))
        return None
    return TemplateResponse(
        request,
        "admin/accounts/user/deactivate.html",
        {
            **modeladmin.admin_site.each_context(request),
            "title": _("Deactivate accounts"),
            "opts": modeladmin.model._meta,
            "people": active,
            "form": form,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        },
    )


@admin.action(description=_("Reactivate the selected accounts"))
def reactivate(
    modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet[User]
) -> None:
    done = 0
    for user in queryset.filter(is_active=False):
        try:
            user_reactivate(user=user, by=_staff(request), request=request)
        except AccountRefused as refusal:
            modeladmin.message_user(
                request,
                gettext("%(email)s: %(refusal)s") % {"email": user.email, "refusal": refusal},
                messages.ERROR,
            )
        else:
            done += 1
    modeladmin.message_user(
        request,
        ngettext("Reactivated %(count)d account.", "Reactivated %(count)d accounts.", done)
        % {"count": done},
        messages.SUCCESS,
    )


class UserAccessAdminMixin:
    """For the user admin: the two actions above, whatever else it lists, and the change form's
    "Active", staff and group fields saved through the services or audited."""

    def get_actions(self, request: HttpRequest) -> dict[str, Any]:
        actions = super().get_actions(request)  # type: ignore[misc]
        for action in (deactivate, reactivate):
            found = self.get_action(action)  # type: ignore[attr-defined]
            if found is not None:
                actions[found[1]] = found
        return actions

    def save_model(self, request: HttpRequest, obj: User, form: forms.ModelForm, change: bool):
        if not change:
            return super().save_model(request, obj, form, change)  # type: ignore[misc]
        by = _staff(request)
        activity = "is_active" in form.changed_data
        if activity:
            # Saved with the old value; the service makes the change with what follows it.
            obj.is_active = form.initial["is_active"]
        flags = {
            name: [form.initial.get(name), getattr(obj, name)]
            for name in STAFF_FLAGS
            if name in form.changed_data
        }
        super().save_model(request, obj, form, change)  # type: ignore[misc]
        if flags:
            audit_record(
                action="user.staff_changed", actor=by, target=obj, request=request, details=flags
            )
        if activity:
            try:
                if obj.is_active:
                    user_deactivate(user=obj, by=by, reason=ACTIVE_BOX_REASON, request=request)
                else:
                    user_reactivate(user=obj, by=by, request=request)
            except AccountRefused as refusal:
                self.message_user(request, str(refusal), messages.ERROR)  # type: ignore[attr-defined]
            obj.refresh_from_db(fields=["is_active"])

    def save_related(
        self, request: HttpRequest, form: forms.ModelForm, formsets: Any, change: bool
    ) -> None:
        user = form.instance
        before = set(user.groups.values_list("name", flat=True)) if change else set()
        super().save_related(request, form, formsets, change)  # type: ignore[misc]
        after = set(user.groups.values_list("name", flat=True))
        if change and before != after:
            audit_record(
                action="user.groups_changed",
                actor=_staff(request),
                target=user,
                request=request,
                details={"added": sorted(after - before), "removed": sorted(before - after)},
            )
