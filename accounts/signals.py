from allauth.account.signals import email_confirmed
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver

from accounts.middleware import NAV_AUTHOR_KEY, NAV_SUPERVISOR_KEY, SESSION_KEY
from accounts.models import Agency, Membership
from accounts.services import membership_join_by_email_domain


@receiver(email_confirmed)
def join_agency_on_verified_email(sender, request, email_address, **kwargs) -> None:
    """A verified address on an agency's domain makes the user a learner of that agency."""
    membership_join_by_email_domain(
        user=email_address.user, email=email_address.email, request=request
    )


@receiver(user_logged_in)
def remember_agency_timezone(sender, request, user, **kwargs) -> None:
    """Dates on every page follow the time zone of the user's (first) agency."""
    if request is None or not hasattr(request, "session"):
        return
    name = (
        Agency.objects.filter(memberships__user=user)
        .order_by("memberships__joined_at")
        .values_list("timezone", flat=True)
        .first()
    )
    if name:
        request.session[SESSION_KEY] = name
    else:
        request.session.pop(SESSION_KEY, None)
    # Only decides which links the navigation shows; every page checks access afresh.
    request.session[NAV_SUPERVISOR_KEY] = Membership.objects.filter(
        user=user, role=Membership.Role.SUPERVISOR
    ).exists()
    request.session[NAV_AUTHOR_KEY] = user.is_author
