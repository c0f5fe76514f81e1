import io

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from accounts.models import Agency, Membership, User
from courses.models import Assignment, Enrollment, Progress, Series
from reminders.models import Reminder
from toolkit.models import Resource

pytestmark = pytest.mark.django_db


def _snapshot() -> dict[str, list]:
    """Every row of the tables seed_demo writes, for comparing two runs."""
    tables = [
        "accounts_user",
        "accounts_agency",
        "accounts_membership",
        "account_emailaddress",
        "toolkit_resource",
        "courses_series",
        "courses_module",
        "courses_component",
        "courses_enrollment",
        "courses_progress",
        "courses_modulecompletion",
        "courses_assignment",
        "courses_assignment_learners",
    ]
    with connection.cursor() as cursor:
        snapshot = {}
        for table in tables:
            cursor.execute(f"SELECT * FROM {table} ORDER BY 1")  # noqa: S608 (fixed names)
            snapshot[table] = cursor.fetchall()
    return snapshot


def test_seed_demo_loads_the_contract_and_is_idempotent(monkeypatch, capsys):
    """The demo accounts, agencies and content exist, and a second run changes nothing."""
    monkeypatch.setenv("DEMO_PASSWORD", "demo-password-for-tests")
    call_command("seed_demo")
    first = _snapshot()
    call_command("seed_demo")
    assert _snapshot() == first

    demo = Agency.objects.get(name="Demo Police Department")
    sheriff = Agency.objects.get(name="Neighbouring Sheriff's Office")
    assert Membership.objects.get(user__email="supervisor@example.com").agency == demo
    assert Membership.objects.get(user__email="supervisor2@example.com").agency == sheriff
    assert demo.memberships.filter(role="learner").count() == 11  # learner@ and ten more
    assert sheriff.memberships.filter(role="learner").count() == 5
    assert User.objects.get(email="author@example.com").is_author
    assert User.objects.get(email="learner@example.com").check_password("demo-password-for-tests")

    series = Series.objects.get(slug="working-with-victims-and-survivors-of-csam")
    assert series.status == Series.Status.PUBLISHED
    assert Resource.objects.filter(slug="ncmec-coping-with-csam-exposure").exists()
    assert Resource.objects.count() >= 12

    learner = Enrollment.objects.get(user__email="learner@example.com")
    assert 0 < learner.percent_complete < 100
    demo_enrollments = Enrollment.objects.filter(user__memberships__agency=demo)
    assert demo_enrollments.filter(completed_at__isnull=False).exists()
    assert demo_enrollments.filter(started_at__isnull=True).exists()
    overdue = demo_enrollments.filter(completed_at__isnull=True, due_on__lt=timezone.localdate())
    assert overdue.count() >= 2
    assert Progress.objects.filter(state="in_progress").exists()


def test_seed_demo_prints_a_generated_password_when_none_is_given(monkeypatch, capsys):
    """Without DEMO_PASSWORD a password is generated, printed, and it works."""
    monkeypatch.delenv("DEMO_PASSWORD", raising=False)
    call_command("seed_demo")
    out = capsys.readouterr().out
    password = out.rsplit("have the password: ", 1)[1].split()[0]
    assert User.objects.get(email="supervisor@example.com").check_password(password)
    call_command("seed_demo")
    assert "passwords are unchanged" in capsys.readouterr().out


OVERDUE_DEMO_LEARNERS = {
    "marcus.reed@example.com",
    "sofia.alvarez@example.com",
    "grace.kim@example.com",
    "riley.jensen@example.com",
}


def test_the_demo_is_a_real_assignment_and_send_reminders_emails_the_overdue(monkeypatch, settings):
    """seed_demo assigns the series through the assignment service (once, however often it
    runs); send_reminders on a fresh demo then emails every overdue demo learner."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    monkeypatch.setenv("DEMO_PASSWORD", "demo-password-for-tests")
    call_command("seed_demo")
    call_command("seed_demo")
    demo = Agency.objects.get(slug="demo-police-department")
    sheriff = Agency.objects.get(slug="neighbouring-sheriffs-office")
    assert Assignment.objects.filter(agency=demo).count() == 1
    assert Assignment.objects.filter(agency=sheriff).count() == 1
    assert Assignment.objects.get(agency=demo).recurrence_months == 12
    enrolled = Enrollment.objects.filter(user__memberships__agency__in=[demo, sheriff])
    assert not enrolled.filter(assignment__isnull=True).exists()
    # The demo learner enrolled in nothing stays so.
    assert not Enrollment.objects.filter(user__email="ethan.morales@example.com").exists()

    call_command("send_reminders", stdout=io.StringIO())
    overdue = Reminder.objects.filter(kind=Reminder.Kind.OVERDUE)
    assert {r.recipient.email for r in overdue} == OVERDUE_DEMO_LEARNERS
    assert set(overdue.values_list("status", flat=True)) == {Reminder.Status.SENT}
    was_due = {to for m in mail.outbox if " was due " in m.subject for to in m.to}
    assert was_due == OVERDUE_DEMO_LEARNERS, [(m.to, m.subject) for m in mail.outbox]
