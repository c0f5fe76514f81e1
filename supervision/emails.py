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
        "resume_url": settings.LMS_BASE_URL.rstrip("/")
        + reverse("courses:series-resume", kwargs={"series_slug": series.slug}),
    }
    if nudge.enrollment.due_on:
        subject = f"Reminder: “{series.title}” is due {nudge.enrollment.due_on:%-d %B %Y}"
    else:
        subject = f"Reminder: continue “{series.title}”"
    message = EmailMultiAlternatives(
        subject=subject,
        body=render_to_string("emails/nudge.txt", context),
        to=[nudge.learner.email],
    )
    message.attach_alternative(render_to_string("emails/nudge.html", context), "text/html")
    message.send()
