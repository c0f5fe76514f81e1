from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _

from accounts import lockout
from accounts.models import Agency, AgencyDomain, Membership, User
from accounts.services import learner_joined


def _joins_as_learner(membership: Membership, form) -> bool:
    """A new learner membership, or one whose role becomes learner, in a valid admin form."""
    if membership.role != Membership.Role.LEARNER or not form.has_changed():
        return False
    deleting = form.cleaned_data.get("DELETE", False) if hasattr(form, "cleaned_data") else False
    return not deleting and (membership._state.adding or "role" in form.changed_data)


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user", "agency"]


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    ordering = ["email"]
    list_display = ["email", "full_name", "is_active", "is_staff", "last_login", "date_joined"]
    list_filter = ["is_active", "is_staff", "is_superuser", "groups", "memberships__agency"]
    search_fields = ["email", "full_name"]
    inlines = [MembershipInline]
    actions = ["unlock_sign_in"]
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

    def save_formset(self, request, form, formset, change) -> None:
        """A learner added to an agency here receives its assignments, as one who joins by a
        verified email does."""
        joined = [
            f.instance
            for f in formset.forms
            if formset.model is Membership and _joins_as_learner(f.instance, f)
        ]
        super().save_formset(request, form, formset, change)
        for membership in joined:
            learner_joined(membership=membership)

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
            self.message_user(request, f"Sign-in unlocked for {names}.", messages.SUCCESS)
        else:
            self.message_user(request, "None of the selected users was locked.", messages.INFO)


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
    list_display = ["user", "agency", "role", "joined_at"]
    list_filter = ["role", "agency"]
    search_fields = ["user__email", "user__full_name", "agency__name"]
    autocomplete_fields = ["user", "agency"]
    list_select_related = ["user", "agency"]

    def save_model(self, request, obj, form, change) -> None:
        """A learner added to an agency here receives its assignments, as one who joins by a
        verified email does."""
        joins = _joins_as_learner(obj, form)
        super().save_model(request, obj, form, change)
        if joins:
            learner_joined(membership=obj)
