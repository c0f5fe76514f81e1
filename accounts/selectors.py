"""Reads about users and agencies that depend on who is asking."""

from django.db.models import QuerySet

from accounts.models import Agency, Membership, User


def agencies_for_user(*, user: User) -> QuerySet[Agency]:
    """Agencies the user belongs to, in any role."""
    return Agency.objects.filter(memberships__user=user).distinct()


def agencies_supervised_by(*, user: User) -> QuerySet[Agency]:
    """Agencies in which the user is a supervisor; empty for everyone else."""
    return Agency.objects.filter(
        memberships__user=user, memberships__role=Membership.Role.SUPERVISOR
    ).distinct()


def user_is_supervisor(*, user: User) -> bool:
    return Membership.objects.filter(user=user, role=Membership.Role.SUPERVISOR).exists()
