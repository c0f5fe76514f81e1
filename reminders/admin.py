from django.contrib import admin, messages
from django.utils.translation import gettext_lazy, ngettext

from reminders.models import EmailPreference, Reminder
from reminders.tasks import enqueue


@admin.register(Reminder)
class ReminderAdmin(admin.ModelAdmin):
    list_display = [
        "kind",
        "recipient",
        "enrollment",
        "step",
        "status",
        "attempts",
        "sent_at",
        "sent_by",
    ]
    list_filter = ["status", "kind", "agency"]
    search_fields = ["recipient__email", "message_id"]
    list_select_related = ["recipient", "enrollment__series", "sent_by"]
    raw_id_fields = ["recipient", "enrollment", "sent_by"]
    readonly_fields = [
        "claimed_at",
        "sent_at",
        "message_id",
        "last_error",
        "attempts",
        "created_at",
    ]
    actions = ["retry"]

    @admin.action(description=gettext_lazy("Retry the selected failed reminders"))
    def retry(self, request, queryset) -> None:
        ids = list(queryset.filter(status=Reminder.Status.FAILED).values_list("pk", flat=True))
        Reminder.objects.filter(pk__in=ids).update(
            status=Reminder.Status.QUEUED, next_attempt_at=None, attempts=0
        )
        enqueue(ids)
        self.message_user(
            request,
            ngettext(
                "%(count)s reminder queued again.", "%(count)s reminders queued again.", len(ids)
            )
            % {"count": len(ids)},
            messages.SUCCESS,
        )


@admin.register(EmailPreference)
class EmailPreferenceAdmin(admin.ModelAdmin):
    list_display = ["user", "inactive_nudges", "weekly_digest"]
    search_fields = ["user__email"]
    raw_id_fields = ["user"]
