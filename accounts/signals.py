from allauth.account.signals import email_confirmed
from django.dispatch import receiver

from accounts.services import membership_join_by_email_domain


@receiver(email_confirmed)
def join_agency_on_verified_email(sender, request, email_address, **kwargs) -> None:
    """A verified address on an agency's domain makes the user a learner of that agency."""
    membership_join_by_email_domain(user=email_address.user, email=email_address.email)
