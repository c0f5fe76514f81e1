"""Writes for users, agencies and memberships."""

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils.module_loading import import_string

from accounts.models import Agency, AgencyDomain, Membership, User


@transaction.atomic
def membership_join_by_email_domain(*, user: User, email: str) -> Membership | None:
    """Add ``user`` as a learner to the agency that owns the verified domain of ``email``.

    Returns the membership (new or existing), or None when no agency owns the domain. Never
    changes an existing membership's role.
    """
    domain = email.rsplit("@", 1)[-1].strip().lower()
    agency_domain = (
        AgencyDomain.objects.select_related("agency").filter(domain=domain, verified=True).first()
    )
    if agency_domain is None:
        return None
    return membership_ensure(user=user, agency=agency_domain.agency)


@transaction.atomic
def membership_ensure(
    *, user: User, agency: Agency, role: str = Membership.Role.LEARNER
) -> Membership:
    """Return the user's membership of the agency, creating it with ``role`` if absent.

    A learner who joins is given what the agency requires of its learners at once, in the
    same transaction (``learner_joined``). Never changes an existing membership's role.
    """
    try:
        with transaction.atomic():
            membership, created = Membership.objects.get_or_create(
                user=user, agency=agency, defaults={"role": role}
            )
    except IntegrityError:  # a concurrent request created it first
        return Membership.objects.get(user=user, agency=agency)
    if created and membership.role == Membership.Role.LEARNER:
        learner_joined(membership=membership)
    return membership


def learner_joined(*, membership: Membership) -> None:
    """Call what follows a learner joining an agency: each function named in
    ``settings.LMS_LEARNER_JOINED``, with ``user`` and ``agency``, in the caller's transaction.

    Today that is ``courses.assignments.assignments_apply_to_new_learner``: the agency's live
    whole-agency assignments reach the newcomer. A setting names it, not an import, because
    ``accounts`` sits below ``courses`` and may not import it (accounts ← courses); the call is
    still made here, where the membership is created, not by a signal a reader cannot see.
    Django admin calls this too when it adds a learner to an agency.
    """
    for path in settings.LMS_LEARNER_JOINED:
        import_string(path)(user=membership.user, agency=membership.agency)


@transaction.atomic
def profile_update(
    *,
    user: User,
    full_name: str,
    certificate_name: str = "",
    officer_id: str = "",
    preferred_language: str = "",
) -> User:
    """Save what the user says about themselves. Certificates already issued are never
    touched: each keeps the name it was issued with (``Certificate.learner_name``); the new
    name appears on the certificates issued from now on."""
    user.full_name = full_name
    user.certificate_name = certificate_name
    user.officer_id = officer_id
    user.preferred_language = preferred_language
    user.full_clean(exclude=["password", "email"])
    user.save(update_fields=["full_name", "certificate_name", "officer_id", "preferred_language"])
    return user
