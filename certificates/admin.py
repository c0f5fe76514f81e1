"""Certificates in Django admin: read-only records; staff revoke them, with a reason."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from certificates.models import Certificate
from certificates.services import certificate_revoke


class ValidityFilter(admin.SimpleListFilter):
    title = _("validity")
    parameter_name = "validity"

    def lookups(self, request, model_admin):
        return [("valid", _("Valid")), ("revoked", _("Revoked"))]

    def queryset(self, request, queryset):
        if self.value() == "valid":
            return queryset.filter(revoked_at__isnull=True)
        if self.value() == "revoked":
            return queryset.filter(revoked_at__isnull=False)
        return queryset


class RevokeForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for revoking"),
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        help_text=_("Kept with the certificate; the public verification page does not show it."),
    )


@admin.action(description=_("Revoke the selected certificates (asks for the reason)"))
def revoke(
    modeladmin: CertificateAdmin, request: HttpRequest, queryset: QuerySet[Certificate]
) -> HttpResponse | None:
    """First the page that asks for the reason; its submit comes back here with ``apply``."""
    valid = queryset.filter(revoked_at__isnull=True)
    form = RevokeForm(request.POST if "apply" in request.POST else None)
    if form.is_valid():
        count = 0
        for certificate in valid:
            certificate_revoke(
                certificate=certificate,
                by=request.user,  # type: ignore[arg-type]  # the admin's user is staff
                reason=form.cleaned_data["reason"],
                request=request,
            )
            count += 1
        modeladmin.message_user(
            request,
            ngettext("Revoked %(count)d certificate.", "Revoked %(count)d certificates.", count)
            % {"count": count},
            messages.SUCCESS,
        )
        return None
    if not valid.exists():
        modeladmin.message_user(
            request, gettext("The selected certificates are revoked already."), messages.WARNING
        )
        return None
    return TemplateResponse(
        request,
        "admin/certificates/certificate/revoke.html",
        {
            **modeladmin.admin_site.each_context(request),
            "title": _("Revoke certificates"),
            "opts": modeladmin.model._meta,
            "certificates": valid,
            "form": form,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        },
    )


@admin.register(Certificate)
class CertificateAdmin(admin.ModelAdmin):
    """What a certificate says is kept as issued: nothing here edits it. Revoking goes through
    ``certificate_revoke`` (the action), which records who, when and why."""

    list_display = [
        "code",
        "learner_name",
        "series_title",
        "completed_on",
        "credit_hours",
        "credit_type",
        "is_valid",
    ]
    list_filter = [ValidityFilter, "completed_on", "credit_type"]
    search_fields = ["code", "learner_name", "user__email", "series_title"]
    list_select_related = ["user"]
    date_hierarchy = "completed_on"
    actions = [revoke]
    readonly_fields = (
        "code",
        "user",
        "series",
        "enrollment",
        "learner_name",
        "series_title",
        "provider",
        "completed_on",
        "credit_hours",
        "credit_type",
        "issued_at",
        "revoked_at",
        "revoked_by",
        "revoked_reason",
    )
    fields = readonly_fields

    @admin.display(boolean=True, description=_("valid"))
    def is_valid(self, certificate: Certificate) -> bool:
        return certificate.is_valid

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Certificate | None = None) -> bool:
        return False
