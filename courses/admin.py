from django.contrib import admin

from courses.assignments import assignment_enrol
from courses.models import (
    AdvisoryAcknowledgement,
    Assignment,
    Component,
    Enrollment,
    Module,
    ModuleCompletion,
    Progress,
    Series,
)


class ModuleInline(admin.TabularInline):
    model = Module
    extra = 0
    fields = ["position", "title", "slug", "estimated_minutes"]
    show_change_link = True


@admin.register(Series)
class SeriesAdmin(admin.ModelAdmin):
    list_display = ["title", "provider", "status", "credit_hours", "updated_at"]
    list_filter = ["status", "provider"]
    search_fields = ["title", "slug", "provider", "summary"]
    prepopulated_fields = {"slug": ["title"]}
    inlines = [ModuleInline]


class ComponentInline(admin.StackedInline):
    model = Component
    extra = 0
    autocomplete_fields = ["resource"]
    show_change_link = True


@admin.register(Module)
class ModuleAdmin(admin.ModelAdmin):
    list_display = ["title", "series", "position", "estimated_minutes"]
    list_filter = ["series"]
    search_fields = ["title", "slug", "summary", "series__title"]
    list_select_related = ["series"]
    filter_horizontal = ["prerequisites"]
    inlines = [ComponentInline]


@admin.register(Component)
class ComponentAdmin(admin.ModelAdmin):
    list_display = ["title", "kind", "module", "position", "required"]
    list_filter = ["kind", "required", "module__series"]
    search_fields = ["title", "slug", "module__title"]
    list_select_related = ["module__series"]
    autocomplete_fields = ["resource"]


@admin.register(Enrollment)
class EnrollmentAdmin(admin.ModelAdmin):
    list_display = [
        "user",
        "series",
        "cycle",
        "source",
        "percent_complete",
        "due_on",
        "completed_at",
        "last_activity_at",
    ]
    list_filter = ["series", "source", ("completed_at", admin.EmptyFieldListFilter)]
    search_fields = ["user__email", "user__full_name", "series__title"]
    list_select_related = ["user", "series"]
    raw_id_fields = ["user"]
    readonly_fields = ["components_completed", "percent_complete", "enrolled_at"]
    date_hierarchy = "enrolled_at"


@admin.register(Progress)
class ProgressAdmin(admin.ModelAdmin):
    list_display = ["enrollment", "component", "state", "percent", "updated_at"]
    list_filter = ["state", "component__kind", "component__module__series"]
    search_fields = ["enrollment__user__email", "component__title"]
    list_select_related = ["enrollment__user", "enrollment__series", "component"]
    raw_id_fields = ["enrollment", "component"]


@admin.register(ModuleCompletion)
class ModuleCompletionAdmin(admin.ModelAdmin):
    list_display = ["enrollment", "module", "completed_at"]
    list_filter = ["module__series"]
    search_fields = ["enrollment__user__email", "module__title"]
    list_select_related = ["enrollment__user", "enrollment__series", "module"]
    raw_id_fields = ["enrollment", "module"]


@admin.register(AdvisoryAcknowledgement)
class AdvisoryAcknowledgementAdmin(admin.ModelAdmin):
    list_display = ["user", "module", "acknowledged_at"]
    search_fields = ["user__email", "module__title"]
    list_select_related = ["user", "module"]
    raw_id_fields = ["user", "module"]


@admin.register(Assignment)
class AssignmentAdmin(admin.ModelAdmin):
    list_display = ["series", "agency", "everyone", "due_on", "due_in_days", "recurrence_months"]
    list_filter = ["agency", "series", "everyone"]
    search_fields = ["series__title", "agency__name"]
    list_select_related = ["series", "agency"]
    raw_id_fields = ["learners"]
    readonly_fields = ["created_by", "created_at"]

    def save_model(self, request, obj, form, change) -> None:
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change) -> None:
        """An assignment made here enrols its learners, as one made on the agency pages does."""
        super().save_related(request, form, formsets, change)
        assignment = form.instance
        assignment_enrol(assignment=assignment, today=assignment.agency.today())
