"""Nudges had their own table (supervision.Nudge) before the outbox existed.

A separate migration from the schema change: on PostgreSQL the new column's index is created at
the end of its migration, which fails while rows inserted in the same transaction are pending.
"""

from django.db import migrations


def copy_nudges(apps, schema_editor):
    """Keep the history of the old nudges as outbox rows."""
    Nudge = apps.get_model("supervision", "Nudge")
    Membership = apps.get_model("accounts", "Membership")
    Reminder = apps.get_model("reminders", "Reminder")
    rows = []
    for nudge in Nudge.objects.select_related("enrollment").iterator():
        membership = (
            Membership.objects.filter(user_id=nudge.learner_id, role="learner")
            .order_by("pk")
            .first()
        )
        if membership is None:  # no longer in an agency: nobody may see the record
            continue
        day = nudge.sent_on
        rows.append(
            Reminder(
                recipient_id=nudge.learner_id,
                enrollment_id=nudge.enrollment_id,
                agency_id=membership.agency_id,
                kind="nudge",
                step=day.year * 10000 + day.month * 100 + day.day,
                cycle=nudge.enrollment.cycle,
                sent_by_id=nudge.sent_by_id,
                # An unsent nudge of an earlier day is not worth sending now.
                status=nudge.status if nudge.status in ("sent", "failed") else "failed",
                attempts=1 if nudge.status in ("sent", "failed") else 0,
                sent_at=(nudge.sent_at or nudge.created_at) if nudge.status == "sent" else None,
                last_error=nudge.last_error or ("" if nudge.status == "sent" else "not sent"),
            )
        )
    Reminder.objects.bulk_create(rows, batch_size=1000, ignore_conflicts=True)


class Migration(migrations.Migration):
    dependencies = [
        ("reminders", "0003_nudge_kind"),
        ("supervision", "0001_initial"),
    ]

    operations = [migrations.RunPython(copy_nudges, migrations.RunPython.noop)]
