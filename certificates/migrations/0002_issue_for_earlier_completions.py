"""Certificates for the completions recorded before certificates existed: one per completed
enrollment, as ``certificates.services.certificates_issue`` makes them (the same snapshot of name,
series, provider, hours and the completion date in the learner's agency's time zone)."""

import secrets
import zoneinfo

from django.conf import settings
from django.db import migrations
from django.utils import timezone

BATCH = 2000


def issue(apps, schema_editor):
    Enrollment = apps.get_model("courses", "Enrollment")
    Membership = apps.get_model("accounts", "Membership")
    Certificate = apps.get_model("certificates", "Certificate")
    default = zoneinfo.ZoneInfo(settings.TIME_ZONE)
    now = timezone.now()
    pending = Enrollment.objects.filter(completed_at__isnull=False, certificate__isnull=True)
    last = 0
    while True:
        batch = list(
            pending.filter(pk__gt=last).select_related("user", "series").order_by("pk")[:BATCH]
        )
        if not batch:
            return
        zones = {}
        for user_id, name in (
            Membership.objects.filter(user_id__in={e.user_id for e in batch}, role="learner")
            .order_by("user_id", "agency__name")
            .values_list("user_id", "agency__timezone")
        ):
            zones.setdefault(user_id, zoneinfo.ZoneInfo(name))
        Certificate.objects.bulk_create(
            [
                Certificate(
                    enrollment_id=e.pk,
                    user_id=e.user_id,
                    series_id=e.series_id,
                    code=secrets.token_urlsafe(16),
                    learner_name=e.user.certificate_name or e.user.full_name or e.user.email,
                    series_title=e.series.title,
                    provider=e.series.provider,
                    completed_on=e.completed_at.astimezone(zones.get(e.user_id, default)).date(),
                    credit_hours=e.series.credit_hours,
                    credit_type=e.series.credit_type,
                    issued_at=now,
                )
                for e in batch
            ],
            ignore_conflicts=True,
        )
        last = batch[-1].pk


class Migration(migrations.Migration):
    dependencies = [
        ("certificates", "0001_initial"),
        ("accounts", "0003_user_profile"),
        ("courses", "0009_series_credit_type"),
    ]

    operations = [migrations.RunPython(issue, migrations.RunPython.noop)]
