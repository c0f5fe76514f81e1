from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse

from supervision.models import Nudge


def send_nudge_email(nudge: Nudge) -> None:
    """A calm reminder with a link straight back to where the learner left off."""
    series = nudge.enrollment.series
    context = {
        "learner": nudge.learner,
        "series": series,
        "enrollment": nudge.enrollment,
        "supervisor": nudge.sent_by,
        "overdue": bool(nudge.enrollment.due_on and nudge.enrollment.due_on < nudge.sent_on),
        "resume_url": settings.LMS_BASE_URL.rstrip("/")
        + reverse("courses:series-resume", kwargs={"series_slug": series.slug}),
    }
    due_on = nudge.enrollment.due_on
    if due_on and due_on < nudge.sent_on:
        subject = f"Reminder: “{series.title}” was due {due_on:%-d %B %Y}"
    elif due_on:
        subject = f"Reminder: “{series.title}” is due {due_on:%-d %B %Y}"
    else:
        subject = f"Reminder: continue “{series.title}”"
    message = EmailMultiAlternatives(
        subject=subject,
        body=render_to_string("emails/nudge.txt", context),
        to=[nudge.learner.email],
    )
    message.attach_alternative(render_to_string("emails/nudge.html", context), "text/html")
    message.send()
