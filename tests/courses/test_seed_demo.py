import io
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from accounts.models import Agency, Membership, User
from certificates.models import Certificate, TrainingRule
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
        "certificates_certificate",
        "certificates_trainingrule",
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
    # Every current cycle; an earlier cycle completed before the assignment existed has none.
    assert not enrolled.filter(is_current=True, assignment__isnull=True).exists()
    # The demo learner enrolled in nothing stays so.
    assert not Enrollment.objects.filter(user__email="ethan.morales@example.com").exists()

    call_command("send_reminders", stdout=io.StringIO())
    overdue = Reminder.objects.filter(kind=Reminder.Kind.OVERDUE)
    assert {r.recipient.email for r in overdue} == OVERDUE_DEMO_LEARNERS
    assert set(overdue.values_list("status", flat=True)) == {Reminder.Status.SENT}
    was_due = {to for m in mail.outbox if " was due " in m.subject for to in m.to}
    assert was_due == OVERDUE_DEMO_LEARNERS, [(m.to, m.subject) for m in mail.outbox]


def test_seed_demo_gives_certificates_a_rule_and_a_history_across_two_cycles(monkeypatch):
    """Every completed demo cycle has its certificate (issued by the completion itself); the
    demo department has its rule; one learner completed an earlier cycle in the rule's
    previous cycle and the current one since."""
    monkeypatch.setenv("DEMO_PASSWORD", "demo-password-for-tests")
    call_command("seed_demo")
    completed = Enrollment.objects.filter(completed_at__isnull=False)
    assert completed.count() == Certificate.objects.count() >= 5
    assert not completed.filter(certificate__isnull=True).exists()
    assert set(Certificate.objects.values_list("credit_hours", "credit_type")) == {
        (Decimal("1.50"), "POST CPT")
    }
    demo = Agency.objects.get(slug="demo-police-department")
    rule = TrainingRule.objects.get(agency=demo)
    assert (rule.credit_type, rule.hours_required, rule.cycle_months) == ("POST CPT", 24, 24)
    assert (rule.cycle_ends_on.month, rule.cycle_ends_on.day, rule.cycle_ends_on.year % 2) == (
        12,
        31,
        0,
    )
    earlier, current = Certificate.objects.filter(user__email="liam.walsh@example.com").order_by(
        "completed_on"
    )
    assert (earlier.enrollment.cycle, current.enrollment.cycle) == (1, 2)
    today = demo.today()
    assert rule.cycle_on(earlier.completed_on).end < rule.cycle_on(today).start
    assert current.completed_on in rule.cycle_on(today)
    liam = Enrollment.objects.get(user__email="liam.walsh@example.com", is_current=True)
    assert liam.assignment is not None and liam.due_on == today + timedelta(days=30)
