from django.contrib import admin

from supervision.models import ExportLog


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
