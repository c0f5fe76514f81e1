import zoneinfo

from django.db.models.signals import post_save
from django.dispatch import receiver
from django.utils import timezone

from accounts.models import Membership
from courses.assignments import assignments_apply_to_new_learner


@receiver(post_save, sender=Membership)
def give_new_learners_their_agency_assignments(sender, instance: Membership, created, **kwargs):
    """Whole-agency assignments reach learners who join later, in the same transaction."""
    if created and instance.role == Membership.Role.LEARNER:
        today = timezone.localdate(timezone=zoneinfo.ZoneInfo(instance.agency.timezone))
        assignments_apply_to_new_learner(user=instance.user, agency=instance.agency, today=today)
