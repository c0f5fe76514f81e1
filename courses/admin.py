from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy, ngettext

from accounts.models import User
from courses.assignments import (
    assignment_audit,
    assignment_cancel,
    assignment_change,
    assignment_enrol,
)
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


class ContentReadOnly:
    """Course content is shown here, never written: every change goes through
    ``courses.content`` (the studio, ``import_series``, ``seed_demo``), which keeps versions,
    learners' records and the publishing guards. Authors edit in the studio."""

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


class ModuleInline(ContentReadOnly, admin.TabularInline):
    model = Module
    extra = 0
    fields = ["position", "title", "slug", "estimated_minutes", "version", "archived_at"]
    show_change_link = True


@admin.register(Series)
class SeriesAdmin(ContentReadOnly, admin.ModelAdmin):
    list_display = ["title", "provider", "status", "version", "credit_hours", "updated_at"]
    list_filter = ["status", "provider"]
    search_fields = ["title", "slug", "provider", "summary"]
    inlines = [ModuleInline]


class ComponentInline(ContentReadOnly, admin.StackedInline):
    model = Component
    extra = 0
    show_change_link = True


@admin.register(Module)
class ModuleAdmin(ContentReadOnly, admin.ModelAdmin):
    list_display = ["title", "series", "position", "version", "archived_at"]
    list_filter = ["series"]
    search_fields = ["title", "slug", "summary", "series__title"]
    list_select_related = ["series"]
    inlines = [ComponentInline]


@admin.register(Component)
class ComponentAdmin(ContentReadOnly, admin.ModelAdmin):
    list_display = ["title", "kind", "module", "position", "required", "archived_at"]
    list_filter = ["kind", "required", "module__series"]
    search_fields = ["title", "slug", "module__title"]
    list_select_related = ["module__series"]


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
    list_display = [
        "series",
        "agency",
        "everyone",
        "due_on",
        "due_in_days",
        "recurrence_months",
        "cancelled_at",
    ]
    list_filter = ["agency", "series", "everyone", ("cancelled_at", admin.EmptyFieldListFilter)]
    search_fields = ["series__title", "agency__name"]
    list_select_related = ["series", "agency"]
    raw_id_fields = ["learners"]
    readonly_fields = ["created_by", "created_at", "cancelled_at", "cancelled_by"]
    actions = ["cancel_assignments"]

    def save_model(self, request, obj, form, change) -> None:
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change) -> None:
        """An assignment made here links its learners through the same service as one made on
        the agency pages, and says what it did; made or changed, it is audited as there."""
        super().save_related(request, form, formsets, change)
        assignment = form.instance
        if assignment.is_cancelled:
            return
        rule = {"due_on", "due_in_days", "recurrence_months"}
        if change and rule & set(form.changed_data):
            moved = assignment_change(
                by=request.user,
                assignment=assignment,
                due_on=assignment.due_on,
                due_in_days=assignment.due_in_days,
                recurrence_months=assignment.recurrence_months,
                request=request,
            )
            self.message_user(
                request,
                ngettext(
                    "Due date changed for %(count)s enrollment.",
                    "Due date changed for %(count)s enrollments.",
                    moved,
                )
                % {"count": moved},
            )
        outcome = assignment_enrol(assignment=assignment, today=assignment.agency.today())
        others = sorted(set(form.changed_data) - rule)
        if not change:
            assignment_audit(
                "assignment.created",
                assignment,
                by=request.user,
                request=request,
                via="admin",
                learners=assignment.learners.count(),
                covered=outcome.covered,
                enrolled=outcome.enrolled,
            )
        elif others:
            assignment_audit(
                "assignment.changed",
                assignment,
                by=request.user,
                request=request,
                via="admin",
                fields=others,
                enrolled=outcome.enrolled,
            )
        self.message_user(request, outcome.describe(), messages.INFO)

    @admin.action(description=gettext_lazy("Cancel the selected assignments (enrollments stay)"))
    def cancel_assignments(self, request: HttpRequest, queryset: QuerySet[Assignment]) -> None:
        assert isinstance(request.user, User)  # the admin is for signed-in staff
        for assignment in queryset:
            assignment_cancel(by=request.user, assignment=assignment, request=request)
        count = queryset.count()
        self.message_user(
            request,
            ngettext(
                "%(count)s assignment canceled: no more reminders or refreshers.",
                "%(count)s assignments canceled: no more reminders or refreshers.",
                count,
            )
            % {"count": count},
            messages.SUCCESS,
        )
