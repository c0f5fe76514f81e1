from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _

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
