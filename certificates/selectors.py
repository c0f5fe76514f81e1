"""Reads of certificates, scoped to who is asking."""

from __future__ import annotations

from django.db.models import Exists, OuterRef, QuerySet
from django.http import Http404

from accounts.models import Membership, User
from certificates.models import Certificate


def certificates_of(*, user: User) -> QuerySet[Certificate]:
    """The user's own certificates, valid and revoked, newest completion first."""
    return Certificate.objects.filter(user=user).order_by("-completed_on", "-issued_at")


def certificates_visible_to(user: User) -> QuerySet[Certificate]:
    """The certificates ``user`` may open in full (PDF, credential): their own; those of the
    learners of the agencies they supervise; every one for staff."""
    if not user.is_authenticated:
        return Certificate.objects.none()
    if user.is_staff:
        return Certificate.objects.all()
    supervised = Membership.objects.filter(user=user, role=Membership.Role.SUPERVISOR).values(
        "agency_id"
    )
    learner_of_theirs = Membership.objects.filter(
        user_id=OuterRef("user_id"), role=Membership.Role.LEARNER, agency_id__in=supervised
    )
    return Certificate.objects.filter(user=user) | Certificate.objects.filter(
        Exists(learner_of_theirs)
    )


def certificate_for_viewer(*, user: User, code: str) -> Certificate:
    """The certificate with this code if ``user`` may open it; 404 otherwise, the same answer
    as for a code that does not exist (nothing tells a stranger it is real)."""
    certificate = certificates_visible_to(user).filter(code=code).first()
    if certificate is None:
        raise Http404("No certificate here.")
    return certificate


def certificate_public(*, code: str) -> Certificate:
    """Any certificate by its code, for the public verification page; 404 if unknown."""
    certificate = Certificate.objects.filter(code=code).first()
    if certificate is None:
        raise Http404("No certificate with this code.")
    return certificate
