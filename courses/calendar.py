"""The learner's private calendar feed: due dates and refresher dates as iCalendar (RFC 5545).

Written with the ``icalendar`` library, which does the format's line endings, folding and
escaping; the feed is what the learner's home page shows, from the same selector. Its words are
in the learner's preferred language (English when none: the calendar app that fetches it is no
browser of theirs), as the reminders are."""

from collections.abc import Callable
from datetime import date, timedelta

from django.utils import timezone, translation
from django.utils.translation import gettext
from icalendar import Calendar, Event

from accounts.models import User
from accounts.selectors import learner_zones
from courses.models import Enrollment
from courses.selectors import enrollments_for_home

PRODID = "-//Training Tracker//Due dates//EN"


def _event(*, uid: str, summary: str, on: date, url: str, description: str) -> Event:
    event = Event()
    event.add("uid", uid)
    event.add("dtstamp", timezone.now())
    event.add("summary", summary)
    # All-day: DTSTART is the day (VALUE=DATE), DTEND the day after (exclusive).
    event.add("dtstart", on)
    event.add("dtend", on + timedelta(days=1))
    event.add("description", description)
    event.add("url", url)
    event.add("transp", "TRANSPARENT")  # a due date does not make the learner busy
    return event


def _uid(enrollment: Enrollment, kind: str, domain: str) -> str:
    # Stable across fetches and edits: the enrollment's cycle and the kind of date, never the date
    # itself (a changed due date moves the same event).
    return f"enrollment-{enrollment.pk}-{kind}@{domain}"


def learner_calendar(*, user: User, absolute: Callable[[str], str], domain: str) -> bytes:
    """The feed of ``user``'s own dates: one all-day event per due date of an open enrollment and
    per refresher date of a completed cycle that recurs; nothing of anyone else. Dates are
    counted in the learner's agency zone. Two queries whatever the number of enrollments."""
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    with translation.override(user.language):
        calendar.add("x-wr-calname", gettext("Training due dates"))
        with timezone.override(learner_zones([user.pk])[user.pk]):
            enrollments = enrollments_for_home(user=user)
        _add_events(calendar, enrollments=enrollments, absolute=absolute, domain=domain)
    return calendar.to_ical()


def _add_events(
    calendar: Calendar,
    *,
    enrollments: list[Enrollment],
    absolute: Callable[[str], str],
    domain: str,
) -> None:
    """One event per due date or refresher date, its words in the active language."""
    for enrollment in enrollments:
        series = enrollment.series
        url = absolute(series.get_absolute_url())
        if enrollment.completed_at is None and enrollment.due_on:
            calendar.add_component(
                _event(
                    uid=_uid(enrollment, "due", domain),
                    summary=gettext("Training due: %(series)s") % {"series": series.title},
                    on=enrollment.due_on,
                    url=url,
                    description=gettext("%(series)s (%(provider)s) is due today.")
                    % {"series": series.title, "provider": series.provider}
                    + f"\n{url}",
                )
            )
        elif enrollment.completed_at is not None and enrollment.refresher_due:
            calendar.add_component(
                _event(
                    uid=_uid(enrollment, "refresher", domain),
                    summary=gettext("Refresher due: %(series)s") % {"series": series.title},
                    on=enrollment.refresher_due,
                    url=url,
                    description=gettext(
                        "Your refresher of %(series)s (%(provider)s) is due today; it appears "
                        "in your training beforehand."
                    )
                    % {"series": series.title, "provider": series.provider}
                    + f"\n{url}",
                )
            )
