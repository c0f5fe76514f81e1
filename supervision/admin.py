from django.contrib import admin

from supervision.models import ExportLog, Nudge


@admin.register(ExportLog)
class ExportLogAdmin(admin.ModelAdmin):
    """The audit log is read-only: records are written by exports, never edited."""

    list_display = ["started_at", "user_email", "agency", "row_count", "finished_at"]
    list_filter = ["agency"]
    search_fields = ["user_email", "agency__name"]
    date_hierarchy = "started_at"
    list_select_related = ["agency"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Nudge)
class NudgeAdmin(admin.ModelAdmin):
    list_display = ["learner", "enrollment", "sent_by", "sent_on", "status", "sent_at"]
    list_filter = ["status", "sent_on"]
    search_fields = ["learner__email", "learner__full_name", "sent_by__email"]
    list_select_related = ["learner", "enrollment__series", "sent_by"]
    raw_id_fields = ["learner", "enrollment", "sent_by"]
