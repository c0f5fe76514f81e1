"""Taking back reminders that are queued but not yet sent (the planner writes rows, the sender
sends them; this is the third write on the outbox)."""

from __future__ import annotations

from accounts.models import Agency, User
from reminders.models import Reminder

LEFT_AGENCY = "Cancelled: the recipient left the agency."
DEACTIVATED = "Cancelled: the account was deactivated."


def reminders_cancel(*, user: User, agency: Agency | None = None, reason: str = LEFT_AGENCY) -> int:
    """Cancel every reminder still queued for ``user`` (only those of ``agency`` when given):
    they are never sent, and the row keeps ``reason``. Sent and failed rows stay as they are; a
    row a worker is sending at this moment finishes (the sender checks again before each send,
    see ``reminders.sending.send_one``). Runs in the caller's transaction. Returns how many."""
    rows = Reminder.objects.filter(recipient=user, status=Reminder.Status.QUEUED)
    if agency is not None:
        rows = rows.filter(agency=agency)
    return rows.update(status=Reminder.Status.CANCELLED, last_error=reason)


def reminders_cancel_for_member(*, user: User, agency: Agency) -> dict[str, int]:
    """What follows a member leaving an agency (``settings.LMS_MEMBER_LEFT``): counts for the
    audit record."""
    return {"reminders_cancelled": reminders_cancel(user=user, agency=agency, reason=LEFT_AGENCY)}


def reminders_cancel_for_account(*, user: User) -> dict[str, int]:
    """What follows an account's deactivation (``settings.LMS_USER_DEACTIVATED``)."""
    return {"reminders_cancelled": reminders_cancel(user=user, reason=DEACTIVATED)}
