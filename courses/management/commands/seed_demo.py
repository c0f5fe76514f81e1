"""Load the demo: the NCMEC seed series, the CAC toolkit, two agencies and their people.

Idempotent: a second run changes nothing. Content comes from the data files in courses/data/
through the same import path authors' files take.
"""

import json
import os
import secrets
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from allauth.account.models import EmailAddress
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from accounts.models import AUTHORS_GROUP, Agency, Membership, User
from accounts.services import membership_ensure

# The demo spans the apps: its rule belongs to certificates (the one import upward from courses,
# in this command only).
from certificates.models import TrainingRule
from certificates.rules import training_rule_set
from courses import services
from courses.assignments import assignment_create
from courses.content import series_import
from courses.models import Assignment, Component, Enrollment, Series
from toolkit.services import resource_upsert

DATA = Path(__file__).resolve().parents[2] / "data"
SERIES_FILES = ["series/working-with-victims-and-survivors-of-csam.json"]

# (email, name, plan). A plan is None (not enrolled) or (components completed, extra video
# percent in the next one, due in days from today or None, days ago the work happened).
DEMO_PD_LEARNERS = [
    ("learner@example.com", "Jordan Ellis", (1, 0, 14, 2)),
    ("avery.chen@example.com", "Avery Chen", (0, 0, 30, 0)),
    ("marcus.reed@example.com", "Marcus Reed", (0, 0, -5, 0)),
    ("priya.natarajan@example.com", "Priya Natarajan", (0, 50, 21, 1)),
    ("daniel.okafor@example.com", "Daniel Okafor", (2, 0, 10, 4)),
    ("sofia.alvarez@example.com", "Sofia Alvarez", (1, 0, -3, 9)),
    ("liam.walsh@example.com", "Liam Walsh", (4, 0, 30, 20)),
    ("hannah.brooks@example.com", "Hannah Brooks", (4, 0, None, 60)),
    ("tomas.silva@example.com", "Tomás Silva", (4, 0, -40, 120)),
    ("grace.kim@example.com", "Grace Kim", (3, 0, -1, 6)),
    ("ethan.morales@example.com", "Ethan Morales", None),
]
# The demo assignment's due rule: no plan above is due later, so no demo learner's date moves.
DEMO_DUE_IN_DAYS = 30
DEMO_PD_REFRESHER_MONTHS = 12  # the demo department requires an annual refresher
# The demo department's continuing-training rule: 24 hours of POST CPT per two-year cycle ending
# 31 December of even years (California's, for example).
DEMO_PD_RULE = ("POST CPT", Decimal(24), 24, date(2026, 12, 31))
# A learner with a history across two cycles: an earlier cycle of the series completed this many
# days ago (in an earlier cycle of the rule, before the transcript's default 24 months); the
# department's annual refresher then opens the current cycle, which follows the plan above.
HISTORY_DAYS_AGO = {"liam.walsh@example.com": 800}
ALL = 999  # a plan's "components completed" for every one of them
SHERIFF_LEARNERS = [
    ("casey.porter@example.com", "Casey Porter", (4, 0, 20, 15)),
    ("riley.jensen@example.com", "Riley Jensen", (2, 0, -7, 12)),
    ("morgan.hayes@example.com", "Morgan Hayes", (0, 0, 25, 0)),
    ("jamie.foster@example.com", "Jamie Foster", (1, 40, 5, 3)),
    ("taylor.nguyen@example.com", "Taylor Nguyen", None),
]


class Command(BaseCommand):
    help = "Load the demo series, toolkit, agencies and accounts (idempotent)."

    def handle(self, *args, **options) -> None:
        password = os.environ.get("DEMO_PASSWORD") or ""
        generated = not password
        if generated:
            password = secrets.token_urlsafe(12)
        with transaction.atomic():
            created_users = self._load(password=password, reset=not generated)
        self.stdout.write(self.style.SUCCESS("Demo data is loaded."))
        if created_users and generated:
            self.stdout.write(
                f"Demo accounts (supervisor@example.com, learner@example.com, author@example.com, "
                f"admin@example.com, ...) have the password: {password}"
            )
        elif generated:
            self.stdout.write(
                "Demo accounts already existed; their passwords are unchanged "
                "(set DEMO_PASSWORD to choose one)."
            )
        else:
            self.stdout.write("Demo accounts use the password in DEMO_PASSWORD.")

    def _load(self, *, password: str, reset: bool) -> int:
        toolkit = json.loads((DATA / "toolkit.json").read_text())
        for resource in toolkit["resources"]:
            resource_upsert(**resource)
        series_list = [
            series_import(json.loads((DATA / name).read_text()), via="seed")[0]
            for name in SERIES_FILES
        ]
        series = series_list[0]

        self.created = 0
        self.password, self.reset = password, reset
        demo_pd = self._agency(
            "Demo Police Department", "demo-police-department", "America/New_York"
        )
        sheriff = self._agency(
            "Neighbouring Sheriff's Office", "neighbouring-sheriffs-office", "America/Chicago"
        )
        self._member(demo_pd, "supervisor@example.com", "Sam Carter", Membership.Role.SUPERVISOR)
        self._member(sheriff, "supervisor2@example.com", "Robin Diaz", Membership.Role.SUPERVISOR)
        later = []
        for agency, learners in ((demo_pd, DEMO_PD_LEARNERS), (sheriff, SHERIFF_LEARNERS)):
            for email, name, plan in learners:
                user, new = self._member(agency, email, name, Membership.Role.LEARNER)
                if not new or plan is None:
                    continue
                if email in HISTORY_DAYS_AGO:
                    # The earlier cycle now; the current one once the assignment reopens it.
                    self._walk(user, series, agency, ALL, 0, None, HISTORY_DAYS_AGO[email])
                    later.append((user, agency, plan))
                else:
                    self._walk(user, series, agency, *plan)
        for agency, learners, months in (
            (demo_pd, DEMO_PD_LEARNERS, DEMO_PD_REFRESHER_MONTHS),
            (sheriff, SHERIFF_LEARNERS, None),
        ):
            self._assign(agency, series, [email for email, _, plan in learners if plan], months)
        for user, agency, plan in later:
            if Enrollment.objects.filter(
                user=user, series=series, completed_at__isnull=True
            ).exists():
                self._walk(user, series, agency, *plan)
        if not TrainingRule.objects.filter(agency=demo_pd).exists():
            credit_type, hours, months, ends_on = DEMO_PD_RULE
            training_rule_set(
                by=User.objects.get(email="supervisor@example.com"),
                agency=demo_pd,
                credit_type=credit_type,
                hours_required=hours,
                cycle_months=months,
                cycle_ends_on=ends_on,
            )
        author, _ = self._user("author@example.com", "Alex Morgan")
        author.groups.add(Group.objects.get_or_create(name=AUTHORS_GROUP)[0])
        admin, new = self._user("admin@example.com", "Site Administrator")
        if new:
            admin.is_staff = admin.is_superuser = True
            admin.save(update_fields=["is_staff", "is_superuser"])
        return self.created

    def _assign(
        self, agency: Agency, series: Series, emails: list[str], months: int | None
    ) -> None:
        """The demo learners' series is a real assignment, made by the agency's supervisor
        through the assignment service, so the reminder planner sees them. Due later than every
        plan's own date, so each learner keeps the state the plan gave them. Once per agency."""
        if Assignment.objects.filter(agency=agency, series=series).exists():
            return
        supervisor = User.objects.get(
            memberships__agency=agency, memberships__role=Membership.Role.SUPERVISOR
        )
        assignment_create(
            supervisor=supervisor,
            agency=agency,
            series=series,
            today=agency.today(),
            learners=User.objects.filter(email__in=emails),
            due_in_days=DEMO_DUE_IN_DAYS,
            recurrence_months=months,
        )

    def _agency(self, name: str, slug: str, tz: str) -> Agency:
        agency, _ = Agency.objects.get_or_create(slug=slug, defaults={"name": name, "timezone": tz})
        return agency

    def _user(self, email: str, name: str) -> tuple[User, bool]:
        user = User.objects.filter(email=email).first()
        new = user is None
        if user is None:
            user = User.objects.create_user(email=email, password=self.password, full_name=name)
            self.created += 1
        elif self.reset and not user.check_password(self.password):
            user.set_password(self.password)
            user.save(update_fields=["password"])
        EmailAddress.objects.get_or_create(
            user=user, email=email, defaults={"verified": True, "primary": True}
        )
        return user, new

    def _member(self, agency: Agency, email: str, name: str, role: str) -> tuple[User, bool]:
        user, new = self._user(email, name)
        membership_ensure(user=user, agency=agency, role=role, via="seed")
        return user, new

    def _walk(
        self,
        user: User,
        series: Series,
        agency: Agency,
        completed: int,
        video_percent: int,
        due_in_days: int | None,
        days_ago: int,
    ) -> None:
        """Put a new demo learner where the plan says, through the product's own services."""
        # Due dates count from the agency's today, as its supervisor's pages do.
        today = agency.today()
        due_on = today + timedelta(days=due_in_days) if due_in_days is not None else None
        enrollment = services.enrollment_create(
            user=user,
            series=series,
            source=Enrollment.Source.ASSIGNED if due_on else Enrollment.Source.SELF,
            due_on=due_on,
        )
        moment = timezone.now() - timedelta(days=days_ago + 7)
        Enrollment.objects.filter(pk=enrollment.pk).update(enrolled_at=moment)
        components = list(
            Component.objects.filter(module__series=series, required=True)
            .select_related("module__series", "resource")
            .order_by("module__position", "position")
        )
        steps = min(completed, len(components))
        for index, component in enumerate(components[:steps]):
            moment = self._moment(days_ago, index, steps)
            self._complete(user, component, moment)
        if video_percent and steps < len(components):
            component = components[steps]
            if component.kind == Component.Kind.VIDEO:
                seconds = (component.duration_seconds or 0) * video_percent // 100
                self._watch(user, component, seconds, self._moment(days_ago, steps, steps + 1))

    def _moment(self, days_ago: int, index: int, steps: int) -> datetime:
        # Spread the work over the days before ``days_ago``, the last step on that day.
        return timezone.now() - timedelta(days=days_ago + (steps - 1 - index), hours=3)

    def _complete(self, user: User, component: Component, moment: datetime) -> None:
        if component.kind == Component.Kind.VIDEO:
            self._watch(user, component, component.duration_seconds or 0, moment)
        else:
            self._open(user, component, moment)
            services.progress_record(user=user, component=component, now=moment)

    def _open(self, user: User, component: Component, moment: datetime) -> None:
        """Open the component as the pages do: its module's content advisory read first."""
        if component.module.content_advisory:
            services.advisory_acknowledge(user=user, module=component.module)
        services.progress_start(user=user, component=component, now=moment)

    def _watch(self, user: User, component: Component, seconds: int, moment: datetime) -> None:
        """Open the video at ``moment`` and play its first ``seconds`` in real time."""
        self._open(user, component, moment)
        services.progress_record(
            user=user,
            component=component,
            watched_ranges=[[0, seconds]],
            position=seconds,
            now=moment + timedelta(seconds=seconds),
        )
