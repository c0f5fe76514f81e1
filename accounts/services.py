"""Writes for users, agencies and memberships."""

from django.db import IntegrityError, transaction

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


def membership_ensure(
    *, user: User, agency: Agency, role: str = Membership.Role.LEARNER
) -> Membership:
    """Return the user's membership of the agency, creating it with ``role`` if absent."""
    try:
        with transaction.atomic():
            membership, _ = Membership.objects.get_or_create(
                user=user, agency=agency, defaults={"role": role}
            )
    except IntegrityError:  # a concurrent request created it first
        membership = Membership.objects.get(user=user, agency=agency)
    return membership
