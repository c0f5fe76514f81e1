from django.contrib import admin
from django.http import HttpRequest

from audit.models import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """Staff read and filter the log; nobody adds, changes or deletes a record here."""

    list_display = ("at", "action", "outcome", "actor", "target", "ip")
    list_filter = ("outcome", "action", "target_type", ("at", admin.DateFieldListFilter))
    search_fields = ("actor", "target", "target_id", "ip", "action")
    date_hierarchy = "at"
    readonly_fields = [field.name for field in AuditEvent._meta.fields]
    show_full_result_count = False  # counting the whole log on every page would not scale

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
