from allauth.mfa.admin import AuthenticatorAdmin as AllauthAuthenticatorAdmin
from allauth.mfa.models import Authenticator
from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from accounts import lockout
from accounts.admin_access import UserAccessAdminMixin
from accounts.models import Agency, AgencyDomain, Membership, User
from accounts.selectors import mfa_reset_allowed
from accounts.services import (
    MembershipRefused,
    membership_ensure,
    membership_remove,
    membership_role_set,
    mfa_reset,
)


class MembershipForm(forms.ModelForm):
    """An existing membership changes only its role: moving it to another person or agency
    would be a removal and an addition, which staff make as such."""

    class Meta:
        model = Membership
        fields = ["user", "agency", "role"]

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            for name in ("user", "agency"):
                if name in self.fields:
                    self.fields[name].disabled = True


def _staff(request: HttpRequest) -> User:
    assert isinstance(request.user, User)  # Django admin: a signed-in staff user
    return request.user


def membership_save(request: HttpRequest, membership: Membership, changed: list[str]) -> None:
    """Save an admin form's membership through the services: a new one as a member joining
    (a learner receives the agency's assignments), a changed role as a role change; both
    audited. Updates ``membership`` in place for the admin's own log and redirect."""
    by = _staff(request)
    if membership._state.adding:
        saved = membership_ensure(
            user=membership.user,
            agency=membership.agency,
            role=membership.role,
            by=by,
            request=request,
            via="admin",
        )
        membership.pk, membership.joined_at = saved.pk, saved.joined_at
        membership._state.adding = False
    elif "role" in changed:
        membership_role_set(membership=membership, role=membership.role, by=by, request=request)


def membership_delete(request: HttpRequest, membership: Membership) -> None:
    """Delete through the service: the member leaves as from the agency pages (records kept,
    the agency's assignments and reminders let go), audited."""
    membership_remove(membership=membership, by=_staff(request), request=request)


class MembershipInline(admin.TabularInline):
    model = Membership
    form = MembershipForm
    extra = 0
    autocomplete_fields = ["user", "agency"]


def _mfa_summary(kinds: list[str]) -> str:
    """What a user has set up, in words: "authenticator app, 2 security keys, recovery codes"."""
    keys = kinds.count(Authenticator.Type.WEBAUTHN)
    parts = ["authenticator app"] if Authenticator.Type.TOTP in kinds else []
    if keys:
        parts.append("1 security key" if keys == 1 else f"{keys} security keys")
    if Authenticator.Type.RECOVERY_CODES in kinds:
        parts.append("recovery codes")
    return ", ".join(parts) or "nothing set up"


@admin.action(
    description=_("Reset two-factor authentication (asks to confirm)"), permissions=["reset_mfa"]
)
def reset_mfa(
    modeladmin: "UserAdmin", request: HttpRequest, queryset: QuerySet[User]
) -> HttpResponse | None:
    """First a page naming the users and what they have; its submit comes back with ``apply``
    and resets each through ``accounts.services.mfa_reset`` (audited, the owner emailed)."""
    staff: User = request.user  # type: ignore[assignment]  # the admin's user is staff
    users = [user for user in queryset if mfa_reset_allowed(by=staff, user=user)]
    skipped = queryset.count() - len(users)
    if skipped:
        modeladmin.message_user(
            request,
            ngettext(
                "%(count)d user skipped: your own two-factor authentication is changed on the "
                "two-factor page, and only a superuser resets a superuser's.",
                "%(count)d users skipped: your own two-factor authentication is changed on the "
                "two-factor page, and only a superuser resets a superuser's.",
                skipped,
            )
            % {"count": skipped},
            messages.WARNING,
        )
    if not users:
        return None
    if "apply" in request.POST:
        for user in users:
            mfa_reset(user=user, by=staff, request=request)
        modeladmin.message_user(
            request,
            ngettext(
                "Reset two-factor authentication for %(count)d user, who was signed out "
                "and emailed.",
                "Reset two-factor authentication for %(count)d users; each was signed out "
                "and emailed.",
                len(users),
            )
            % {"count": len(users)},
            messages.SUCCESS,
        )
        return None
    held: dict[int, list[str]] = {}
    for user_id, kind in Authenticator.objects.filter(user__in=users).values_list(
        "user_id", "type"
    ):
        held.setdefault(user_id, []).append(kind)
    rows = [(user, _mfa_summary(held.get(user.pk, []))) for user in users]
    return TemplateResponse(
        request,
        "admin/accounts/user/reset_mfa.html",
        {
            **modeladmin.admin_site.each_context(request),
            "title": _("Reset two-factor authentication"),
            "opts": modeladmin.model._meta,
            "rows": rows,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        },
    )


@admin.register(User)
class UserAdmin(UserAccessAdminMixin, DjangoUserAdmin):
    ordering = ["email"]
    list_display = ["email", "full_name", "is_active", "is_staff", "last_login", "date_joined"]
    list_filter = ["is_active", "is_staff", "is_superuser", "groups", "memberships__agency"]
    search_fields = ["email", "full_name"]
    inlines = [MembershipInline]
    actions = [reset_mfa, "unlock_sign_in"]
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        (
            _("Personal info"),
            {"fields": ("full_name", "certificate_name", "officer_id", "preferred_language")},
        ),
        (
            _("Permissions"),
            {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")},
        ),
        (_("Important dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (None, {"classes": ("wide",), "fields": ("email", "full_name", "password1", "password2")}),
    )

    def has_reset_mfa_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("accounts.reset_mfa")

    def save_formset(self, request, form, formset, change) -> None:
        """Memberships added, changed or deleted here go through the membership services, as
        on the agency pages and the membership admin (a learner added receives the agency's
        assignments; every change is audited)."""
        if formset.model is not Membership:
            return super().save_formset(request, form, formset, change)
        formset.save(commit=False)  # fills new, changed and deleted objects for admin's log
        for membership in formset.deleted_objects:
            membership_delete(request, membership)
        for membership in formset.new_objects:
            membership_save(request, membership, [])
        for membership, changed in formset.changed_objects:
            membership_save(request, membership, changed)

    # --- Sign-in lockout (accounts.lockout) ---
    def get_list_filter(self, request):
        return [*super().get_list_filter(request), SignInLockedFilter]

    @admin.action(description=_("Unlock sign-in for the selected users"))
    def unlock_sign_in(self, request, queryset) -> None:
        """Lift the lock of each selected account that is locked (each one audited)."""
        unlocked = [
            user
            for user in queryset
            if lockout.signin_unlock(user=user, by="staff", actor=request.user, request=request)
        ]
        if unlocked:
            names = ", ".join(user.email for user in unlocked)
            self.message_user(
                request,
                gettext("Sign-in unlocked for %(names)s.") % {"names": names},
                messages.SUCCESS,
            )
        else:
            self.message_user(
                request, gettext("None of the selected users was locked."), messages.INFO
            )


class SignInLockedFilter(admin.SimpleListFilter):
    """Users whose sign-in is locked now (failed passwords in a row, cool-off not over)."""

    title = _("sign-in locked")
    parameter_name = "sign_in_locked"

    def lookups(self, request, model_admin):
        return [("yes", _("Locked now"))]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(pk__in=lockout.locked_accounts().values("user_id"))
        return queryset


class AgencyDomainInline(admin.TabularInline):
    model = AgencyDomain
    extra = 0


@admin.register(Agency)
class AgencyAdmin(admin.ModelAdmin):
    list_display = ["name", "timezone", "created_at"]
    search_fields = ["name", "domains__domain"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [AgencyDomainInline]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    form = MembershipForm
    list_display = ["user", "agency", "role", "joined_at"]
    list_filter = ["role", "agency"]
    search_fields = ["user__email", "user__full_name", "agency__name"]
    autocomplete_fields = ["user", "agency"]
    list_select_related = ["user", "agency"]

    def save_model(self, request, obj, form, change) -> None:
        """Through the membership services: a learner added here receives the agency's
        assignments, as one who joins by a verified email does; audited."""
        membership_save(request, obj, form.changed_data if change else [])

    def delete_model(self, request: HttpRequest, obj: Membership) -> None:
        try:
            membership_delete(request, obj)
        except MembershipRefused as refusal:
            self.message_user(request, str(refusal), messages.ERROR)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Membership]) -> None:
        for membership in queryset.select_related("user", "agency"):
            self.delete_model(request, membership)


# allauth's authenticator admin lets staff add, edit and delete a user's authenticators and shows
# the stored TOTP secret. Here it is a read-only list (no secrets): a reset goes through the
# users' action above, which is audited and emails the owner.
admin.site.unregister(Authenticator)


@admin.register(Authenticator)
class AuthenticatorAdmin(AllauthAuthenticatorAdmin):
    fields = ("user", "type", "created_at", "last_used_at")
    readonly_fields = fields
    search_fields = ("user__email",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Authenticator | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Authenticator | None = None) -> bool:
        return False
