"""Writes for certificates. Issuing is called by ``courses.completion`` (through
``settings.LMS_SERIES_COMPLETED``) inside the transaction that records the completion."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from accounts.models import User
from accounts.selectors import learner_zones
from audit.services import audit_record
from certificates import tasks
from certificates.models import Certificate
from courses.models import Enrollment


def certificates_issue(*, enrollment_ids: Sequence[int], now: datetime | None = None) -> int:
    """Issue the certificate of each of these completed enrollments that has none yet.

    Exactly once per completion cycle: the database allows one certificate per enrollment, and a
    repeated or concurrent call inserts nothing more. The certificate keeps the learner's name
    (as it should appear on certificates), the series' title, provider, credit hours and credit
    type as they are now, and the completion date in the learner's agency's time zone. Returns
    how many were issued. A fixed number of queries per call.
    """
    now = now or timezone.now()
    enrollments = list(
        Enrollment.objects.filter(
            pk__in=enrollment_ids, completed_at__isnull=False, certificate__isnull=True
        ).select_related("user", "series")
    )
    if not enrollments:
        return 0
    zones = learner_zones(e.user_id for e in enrollments)
    created = Certificate.objects.bulk_create(
        [
            Certificate(
                enrollment=enrollment,
                user=enrollment.user,
                series=enrollment.series,
                learner_name=enrollment.user.name_for_certificates(),
                series_title=enrollment.series.title,
                provider=enrollment.series.provider,
                completed_on=enrollment.completed_at.astimezone(  # type: ignore[union-attr]
                    zones[enrollment.user_id]
                ).date(),
                credit_hours=enrollment.series.credit_hours,
                credit_type=enrollment.series.credit_type,
                issued_at=now,
            )
            for enrollment in enrollments
        ],
        ignore_conflicts=True,
    )
    _build_pdfs_on_commit([e.pk for e in enrollments])
    return len(created)


def _build_pdfs_on_commit(enrollment_ids: list[int]) -> None:
    """Queue the PDFs' build once the certificates are committed, so no request waits for it.
    ``robust``: a broker that is down or a failed render never undoes or fails the completion
    (the PDF view builds a missing PDF itself)."""
    transaction.on_commit(
        lambda: tasks.certificate_pdfs_build.delay(enrollment_ids=enrollment_ids), robust=True
    )


@transaction.atomic
def certificate_revoke(
    *, certificate: Certificate, by: User, reason: str, request: HttpRequest | None = None
) -> Certificate:
    """Revoke a certificate (staff only), with the reason; the verification page then says it
    is revoked, and so does its PDF (rebuilt after commit; the PDF view never serves the copy
    kept for the valid certificate once it is revoked). Refused without a reason; revoking twice
    keeps the first revocation. Who revoked it, when and why stay on the certificate, and the
    security log records it (``certificate.revoked``, once)."""
    if not getattr(by, "is_staff", False):
        raise PermissionError("Only staff can revoke a certificate.")
    reason = reason.strip()
    if not reason:
        raise ValueError("Give the reason for revoking.")
    revoked = Certificate.objects.filter(pk=certificate.pk, revoked_at__isnull=True).update(
        revoked_at=timezone.now(), revoked_reason=reason, revoked_by=by
    )
    certificate.refresh_from_db()
    if revoked:
        audit_record(
            action="certificate.revoked",
            actor=by,
            target=certificate,
            request=request,
            details={
                "code": certificate.code,
                "learner_id": certificate.user_id,
                "series_id": certificate.series_id,
                "reason": reason[:500],
            },
        )
        pk = certificate.pk
        transaction.on_commit(lambda: tasks.certificate_pdf_rebuild.delay(pk), robust=True)
    return certificate


def certificate_opened(
    *, certificate: Certificate, viewer: User, page: str, request: HttpRequest | None = None
) -> None:
    """Audit someone other than its learner (a supervisor of the learner's agency, staff)
    opening a certificate's PDF or credential (``record.viewed``); the learner's own
    downloads are not recorded."""
    if certificate.user_id == viewer.pk:
        return
    audit_record(
        action="record.viewed",
        actor=viewer,
        target=certificate,
        request=request,
        details={"page": page, "code": certificate.code, "learner_id": certificate.user_id},
    )
