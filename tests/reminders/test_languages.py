"""Reminders in the recipient's language, whatever the language of the process sending them."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import translation

from courses.models import Enrollment
from reminders import planner, sending
from reminders.models import Reminder
from tests.reminders.conftest import NOW

pytestmark = pytest.mark.django_db


def _sent_to(learner) -> mail.EmailMessage:
    (message,) = [m for m in mail.outbox if m.to == [learner.email]]
    return message


def test_one_batch_emails_each_learner_in_their_own_language(due_in):
    """A Spanish-preferring learner, an English-preferring one and one with no preference (no
    browser to ask: English), due in one day, in the same batch."""
    spanish = due_in(1, preferred_language="es", full_name="Ana Morales")
    english = due_in(1, preferred_language="en", full_name="Sam Carter")
    unset = due_in(1, full_name="Lee Park")
    planner.plan(now=NOW)
    ids = list(Reminder.objects.order_by("pk").values_list("pk", flat=True))
    with translation.override("es"):  # whatever the worker's language, each gets their own
        assert sending.send_batch(ids) == {"sent": 3}

    message = _sent_to(spanish)
    html = message.alternatives[0][0]
    assert (
        message.subject
        == "“Working with Victims and Survivors” vence dentro de 1 día (24 de noviembre)"
    )
    assert message.body.startswith("Hola, Ana:\n")
    assert "vence el martes 24 de noviembre de 2026, dentro de 1 día" in message.body
    assert "Continuar donde lo dejó:\nhttp" in message.body
    assert "Tómese el tiempo que necesite." in message.body
    assert '<html lang="es">' in html
    assert "<p>Hola, Ana:</p>" in html
    assert "<strong>“Working with Victims and Survivors”</strong> vence el martes 24" in html
    assert "Continuar donde lo dejó</a>" in html
    assert "Hello" not in message.body + html

    for learner, name in ((english, "Sam"), (unset, "Lee")):
        message = _sent_to(learner)
        html = message.alternatives[0][0]
        assert (
            message.subject == "“Working with Victims and Survivors” is due in 1 day (24 November)"
        )
        assert message.body.startswith(f"Hello {name},\n")
        assert "is due on Tuesday 24 November 2026, in 1 day." in message.body
        assert '<html lang="en' in html
        assert "Hola" not in message.body + html


def test_the_language_of_the_sender_is_left_as_it_was(due_in):
    learner = due_in(1, preferred_language="es")
    planner.plan(now=NOW)
    reminder = Reminder.objects.get(recipient=learner)
    with translation.override("en"):
        sending.build_message(reminder)
        assert translation.get_language() == "en"


def test_an_optional_email_says_how_to_stop_it_in_spanish(due_in):
    learner = due_in(20, preferred_language="es")
    Enrollment.objects.filter(user=learner).update(
        started_at=NOW - timedelta(days=20), last_activity_at=NOW - timedelta(days=20)
    )
    planner.plan(now=NOW)
    reminder = Reminder.objects.get(recipient=learner, kind="inactive")
    message = sending.build_message(reminder)
    assert message.subject == "Retome “Working with Victims and Survivors” donde lo dejó"
    assert (
        "Hace tiempo que no avanza en “Working with Victims and Survivors” "
        "(3 de noviembre de 2026)." in message.body
    )
    assert "Dejar de recibir estos correos: http" in message.body
    assert "Recibe este correo opcional del portal de formación de" in message.body


def test_an_overdue_reminder_in_spanish(due_in):
    learner = due_in(-3, preferred_language="es")
    planner.plan(now=NOW)
    reminder = Reminder.objects.get(recipient=learner, kind="overdue")
    message = sending.build_message(reminder)
    assert message.subject == "“Working with Victims and Survivors” venció el 20 de noviembre"
    assert (
        "La fecha límite de su formación “Working with Victims and Survivors” era el viernes "
        "20 de noviembre de 2026." in message.body
    )
