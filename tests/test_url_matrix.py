"""Who may open which page: every URL pattern of the project against seven roles.

The patterns come from the resolver, so a new URL without an entry here fails
``test_every_url_pattern_has_an_expectation`` (and its own matrix case). Project URLs are listed
one by one in ``MATRIX``; Django admin and allauth follow explicit group rules below. URLs are
built from the real seed objects of both agencies (``seed_demo``), loaded once for the module and
rolled back at its end; every test runs in its own savepoint on top, so a POST changes nothing for
the next one.
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
import zoneinfo
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest
from allauth.account.forms import default_token_generator
from allauth.account.models import EmailAddress, EmailConfirmationHMAC
from allauth.account.utils import user_pk_to_url_str
from allauth.mfa.models import Authenticator
from django.contrib import admin
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.db import transaction
from django.http import HttpResponse
from django.test import Client, override_settings
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone
from django.utils.html import escape
from django_celery_beat.models import (
    ClockedSchedule,
    CrontabSchedule,
    IntervalSchedule,
    PeriodicTask,
    SolarSchedule,
)

from accounts.models import Agency, User
from accounts.selectors import calendar_token
from accounts.services import calendar_link_reset
from audit.models import AuditEvent
from audit.services import audit_record
from certificates.models import Certificate
from courses.models import (
    AdvisoryAcknowledgement,
    Assignment,
    Choice,
    Component,
    Enrollment,
    Module,
    Question,
    Series,
)
from reminders.models import EmailPreference, Reminder
from reminders.sending import unsubscribe_token
from supervision.models import ExportLog
from supervision.selectors import enrollments_for_supervisor

pytestmark = pytest.mark.django_db

DEMO_PASSWORD = "matrix-demo-passphrase-3"
SERIES_SLUG = "working-with-victims-and-survivors-of-csam"
MODULE_ONE = "understanding-csam-and-its-impacts"
MODULE_TWO = "making-first-contact-and-victim-communication-in-csam-cases"
VIDEO_ONE = "video-understanding-csam-and-its-impacts"
READING = "reading-language-csa-csam-and-choice-consent-control"
RESOURCE = "resource-ncmec-support-for-csam-survivors-and-their-families"
DEMO_PD, SHERIFF = "demo-police-department", "neighbouring-sheriffs-office"
DEMO_PD_GRADUATE = "hannah.brooks@example.com"  # Demo Police Department, completed once

ROLES = (
    "anonymous",
    "learner",
    "learner_other_agency",
    "supervisor",
    "supervisor_other_agency",
    "author",
    "staff",
)
ROLE_EMAILS = {
    "learner": "learner@example.com",  # Demo Police Department, part-way through the series
    "learner_other_agency": "casey.porter@example.com",  # Sheriff's Office, series completed
    "supervisor": "supervisor@example.com",  # Demo Police Department
    "supervisor_other_agency": "supervisor2@example.com",  # Neighbouring Sheriff's Office
    "author": "author@example.com",  # Authors group, no membership
    "staff": "admin@example.com",  # is_staff and is_superuser, no membership
}
SIGNED_IN = ROLES[1:]
SUPERVISORS = {"supervisor": DEMO_PD, "supervisor_other_agency": SHERIFF}


# --- What a response must be --------------------------------------------------------------


@dataclass(frozen=True)
class Redirect:
    """302 to exactly this Location; ``{name}`` is filled from the case's URL kwargs and
    ``World.values`` (slugs, ids)."""

    to: str

    def __str__(self) -> str:
        return f"302 to {self.to}"


@dataclass(frozen=True)
class ToLogin:
    """302 to a login page that brings the user back to the requested URL afterwards."""

    login: str = "/accounts/login/"

    def __str__(self) -> str:
        return f"302 to {self.login}?next=<the URL>"


LOGIN = ToLogin()
ADMIN_LOGIN = ToLogin("/admin/login/")
Expect = int | Redirect | ToLogin


def roles(**expect: Expect) -> dict[str, Expect]:
    missing = set(ROLES) - set(expect)
    unknown = set(expect) - set(ROLES)
    assert not missing and not unknown, f"missing roles {missing}, unknown roles {unknown}"
    return expect


def everyone(expect: Expect) -> dict[str, Expect]:
    return dict.fromkeys(ROLES, expect)


def signed_in(expect: Expect, **overrides: Expect) -> dict[str, Expect]:
    """Anonymous users go to the login page; every signed-in role gets ``expect``."""
    return roles(anonymous=LOGIN, **{**dict.fromkeys(SIGNED_IN, expect), **overrides})


def supervisors_only(*, supervisor: Expect, supervisor_other_agency: Expect) -> dict[str, Expect]:
    """Agency pages: the login page for anonymous users, 403 for everyone who supervises
    nothing, whatever the URL names."""
    return signed_in(403, supervisor=supervisor, supervisor_other_agency=supervisor_other_agency)


# --- The seed world -----------------------------------------------------------------------


@dataclass
class World:
    users: dict[str, User]
    agencies: dict[str, Agency]
    series: Series
    values: dict[str, object]  # for URL kwargs and Redirect templates
    admin_objects: dict[type, object] = field(default_factory=dict)


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, tmp_path_factory) -> Iterator[World]:
    """seed_demo once for the module, plus a row for every model in the admin; rolled back at
    the end of the module, so other modules never see it."""
    media = tmp_path_factory.mktemp("matrix-media")
    with (
        django_db_blocker.unblock(),
        override_settings(MEDIA_ROOT=media),
        pytest.MonkeyPatch.context() as patch,
        transaction.atomic(),
    ):
        patch.setenv("DEMO_PASSWORD", DEMO_PASSWORD)
        call_command("seed_demo", stdout=io.StringIO())
        yield _build_world()
        transaction.set_rollback(True)


def _build_world() -> World:
    users = {role: User.objects.get(email=email) for role, email in ROLE_EMAILS.items()}
    agencies = {a.slug: a for a in Agency.objects.filter(slug__in=[DEMO_PD, SHERIFF])}
    series = Series.objects.get(slug=SERIES_SLUG)
    learner = users["learner"]
    module = Module.objects.get(series=series, slug=MODULE_ONE)
    # seed_demo's learners read each advisory as they work (the progress service requires it);
    # withdraw those acknowledgements so the matrix still covers the pages' advisory redirect.
    AdvisoryAcknowledgement.objects.all().delete()

    # Rows for the admin models that seed_demo leaves empty, so every object URL is real.
    holder = User.objects.create_user(email="mfa.holder@example.org", password=DEMO_PASSWORD)
    Authenticator.objects.create(
        user=holder, type=Authenticator.Type.TOTP, data={"secret": "JBSWY3DPEHPK3PXP"}
    )
    holder_key = Authenticator.objects.create(
        user=holder, type=Authenticator.Type.WEBAUTHN, data={"name": "Key", "credential": {}}
    )
    ExportLog.objects.create(
        user=users["supervisor"],
        user_email=users["supervisor"].email,
        agency=agencies[DEMO_PD],
        filters={},
    )
    Assignment.objects.create(
        agency=agencies[SHERIFF],
        series=series,
        created_by=users["supervisor_other_agency"],
        everyone=True,
        due_in_days=30,
    )
    Reminder.objects.create(
        recipient=users["learner_other_agency"],
        enrollment=Enrollment.objects.get(user=users["learner_other_agency"]),
        agency=agencies[SHERIFF],
        kind=Reminder.Kind.OVERDUE,
        step=1,
        cycle=1,
    )
    Reminder.objects.create(
        recipient=users["learner_other_agency"],
        enrollment=Enrollment.objects.get(user=users["learner_other_agency"]),
        agency=agencies[SHERIFF],
        kind=Reminder.Kind.NUDGE,
        step=20260101,
        cycle=1,
        sent_by=users["supervisor_other_agency"],
    )
    EmailPreference.objects.create(user=users["learner_other_agency"], weekly_digest=False)
    calendar_link_reset(user=users["learner"])  # the calendar feed's link
    audit_record(action="matrix.event", target=users["learner_other_agency"])
    bystander = User.objects.get(email="ethan.morales@example.com")  # a Demo PD learner, no role
    AdvisoryAcknowledgement.objects.get_or_create(user=bystander, module=module)
    interval = IntervalSchedule.objects.create(every=1, period=IntervalSchedule.HOURS)
    CrontabSchedule.objects.create(minute="0", hour="6")
    SolarSchedule.objects.create(event="sunrise", latitude=40.7, longitude=-74.0)
    ClockedSchedule.objects.create(clocked_time=timezone.now() + timedelta(days=1))
    PeriodicTask.objects.create(
        name="matrix: a periodic task", task="reminders.tasks.sweep_reminders", interval=interval
    )
    admin_objects = {}
    for model in admin.site._registry:
        first = model._default_manager.order_by("pk").first()
        assert first is not None, f"no {model._meta.label} row for the admin object URLs"
        admin_objects[model] = first

    return World(
        users=users,
        agencies=agencies,
        series=series,
        admin_objects=admin_objects,
        values={
            "series_slug": SERIES_SLUG,
            "demo_pd": DEMO_PD,
            "sheriff": SHERIFF,
            "demo_pd_learner": learner.pk,
            "sheriff_learner": users["learner_other_agency"].pk,
            "demo_pd_supervisor": users["supervisor"].pk,
            "no_such_learner": User.objects.order_by("-pk").values_list("pk", flat=True)[0] + 1000,
            "confirm_key": EmailConfirmationHMAC(
                EmailAddress.objects.get(user=learner, email=learner.email)
            ).key,
            # Signing in changes a user's reset tokens: the link is the bystander's.
            "reset_uid": user_pk_to_url_str(bystander),
            "reset_key": default_token_generator.make_token(bystander),
            # The seed's own assignments (made by seed_demo through the assignment service).
            "demo_pd_assignment": Assignment.objects.get(
                agency=agencies[DEMO_PD], created_by=users["supervisor"]
            ).pk,
            "sheriff_assignment": Assignment.objects.get(
                agency=agencies[SHERIFF],
                created_by=users["supervisor_other_agency"],
                everyone=False,
            ).pk,
            # Certificates of learners who completed the series (seed_demo issues them).
            "sheriff_certificate": Certificate.objects.get(user=users["learner_other_agency"]).code,
            "demo_pd_certificate": Certificate.objects.get(user__email=DEMO_PD_GRADUATE).code,
            # Someone else's security key: nobody in the roles may edit or remove it.
            "holder_key": holder_key.pk,
            "series_content_type": ContentType.objects.get_for_model(Series).pk,
            "series_pk": series.pk,
            **_quiz_and_survey(module),
        },
    )


def _quiz_and_survey(module: Module) -> dict[str, int]:
    """A draft series with a quiz and a survey, for the studio's question and statistics pages
    (the seed series has neither; a draft changes nothing learners see)."""
    draft = Series.objects.create(slug="matrix-draft", title="Matrix draft series")
    holder = Module.objects.create(series=draft, slug="matrix-module", title="Matrix", position=1)
    ids = {"draft_series_slug": draft.slug, "draft_module_id": holder.pk}
    for position, kind in enumerate(("quiz", "survey"), start=1):
        component = Component.objects.create(
            module=holder,
            slug=f"matrix-{kind}",
            title=f"Matrix {kind}",
            kind=kind,
            position=position,
            pass_mark=80 if kind == "quiz" else None,
        )
        question = Question.objects.create(
            component=component, slug="q1", position=1, kind="single", text="Which?"
        )
        Choice.objects.create(question=question, position=1, text="This", is_correct=True)
        Choice.objects.create(question=question, position=2, text="That")
        ids[f"{kind}_id"] = component.pk
        ids[f"{kind}_question_id"] = question.pk
    return ids


# --- Project URLs -------------------------------------------------------------------------


def _no_kwargs(w: World) -> dict:
    return {}


@dataclass(frozen=True)
class Case:
    expect: dict[str, Expect]
    kwargs: Callable[[World], dict] = _no_kwargs
    label: str = ""
    method: str = "get"
    query: str = ""


def _series(w: World) -> dict:
    return {"series_slug": SERIES_SLUG}


def _module_one(w: World) -> dict:
    return {"series_slug": SERIES_SLUG, "module_slug": MODULE_ONE}


def _unsubscribe_token(w: World) -> dict:
    return {"token": unsubscribe_token(user_id=w.users["learner"].pk, kind="inactive")}


def _calendar_token(w: World) -> dict:
    token = calendar_token(w.users["learner"])
    assert token
    return {"token": token}


def _forged_calendar_token(w: World) -> dict:
    return {"token": _calendar_token(w)["token"][:-4] + "0000"}


def _forged_token(w: World) -> dict:
    return {"token": _unsubscribe_token(w)["token"][:-4] + "AAAA"}


def _component(module: str, component: str) -> Callable[[World], dict]:
    return lambda w: {
        "series_slug": SERIES_SLUG,
        "module_slug": module,
        "component_slug": component,
    }


def _learner(key: str) -> Callable[[World], dict]:
    return lambda w: {"learner_id": w.values[key]}


SERIES_URL = f"/series/{SERIES_SLUG}/"
MODULE_ONE_URL = f"{SERIES_URL}{MODULE_ONE}/"
ADVISORY_ONE = Redirect(f"{MODULE_ONE_URL}advisory/")
ADVISORY_TWO = Redirect(f"{SERIES_URL}{MODULE_TWO}/advisory/")
TO_SERIES = Redirect(SERIES_URL)
TO_READING = Redirect(f"{MODULE_ONE_URL}{READING}/")


def _learner_pages(
    key: str, *, supervisor: Expect, supervisor_other_agency: Expect, method: str = "get"
) -> Case:
    return Case(
        supervisors_only(supervisor=supervisor, supervisor_other_agency=supervisor_other_agency),
        _learner(key),
        label=key.replace("_", "-"),
        method=method,
    )


def _assignment_pages(
    key: str, *, supervisor: Expect, supervisor_other_agency: Expect, method: str = "get"
) -> Case:
    return Case(
        supervisors_only(supervisor=supervisor, supervisor_other_agency=supervisor_other_agency),
        lambda w: {"assignment_id": w.values[key]},
        label=f"{key.replace('_', '-')}-{method}",
        method=method,
    )


MATRIX: dict[str, list[Case]] = {
    "home": [Case(everyone(200))],  # the welcome page for anonymous users, “My training” else
    "healthz": [Case(everyone(200))],
    "courses:catalogue": [Case(signed_in(200))],
    "courses:series-detail": [Case(signed_in(200), _series)],
    # Enrolling returns to the series page, whether it enrolled or said why not.
    "courses:series-enrol": [Case(signed_in(TO_SERIES), _series, method="post")],
    # The learner resumes at the reading; everyone not (or no longer) on the way sees the series.
    "courses:series-resume": [Case(signed_in(TO_SERIES, learner=TO_READING), _series)],
    "courses:module-detail": [Case(signed_in(200), _module_one)],
    "courses:module-advisory": [Case(signed_in(200), _module_one)],
    # Enrolled learners who have not acknowledged the advisory go there; the others must enrol.
    "courses:component-detail": [
        Case(
            signed_in(TO_SERIES, learner=ADVISORY_ONE, learner_other_agency=ADVISORY_ONE),
            _component(MODULE_ONE, READING),
        )
    ],
    # “I have read this”: recorded for the enrolled, refused back to the page for the others.
    "courses:component-progress": [
        Case(
            # The learner has not acknowledged module one's advisory: refused, back to the
            # reading (no progress row). The other agency's learner completed it long ago.
            signed_in(
                Redirect(f"{MODULE_ONE_URL}{READING}/"),
                learner_other_agency=Redirect(f"{SERIES_URL}resume/"),
            ),
            _component(MODULE_ONE, READING),
            method="post",
        )
    ],
    # Quizzes and surveys pass the same gate as the component page before anything is taken.
    **{
        name: [
            Case(
                signed_in(TO_SERIES, learner=ADVISORY_ONE, learner_other_agency=ADVISORY_ONE),
                _component(MODULE_ONE, READING),
                method="post",
            )
        ]
        for name in ("courses:quiz-start", "courses:quiz-submit", "courses:survey-submit")
    },
    # Module two is locked for the learner; the other agency's learner (series complete) still
    # has its advisory to acknowledge; nobody else is enrolled.
    "courses:component-open": [
        Case(
            signed_in(TO_SERIES, learner_other_agency=ADVISORY_TWO),
            _component(MODULE_TWO, RESOURCE),
        )
    ],
    # Training video: streamed to enrolled learners only, a 404 for everyone else.
    "courses:component-media": [
        Case(
            signed_in(404, learner=200, learner_other_agency=200),
            _component(MODULE_ONE, VIDEO_ONE),
        )
    ],
    # Its captions: exactly who may watch the video.
    "courses:component-captions": [
        Case(
            signed_in(404, learner=200, learner_other_agency=200),
            _component(MODULE_ONE, VIDEO_ONE),
        )
    ],
    # The signed credential: the learner, supervisors of the learner's agency and staff; anyone
    # else 404, as for the PDF. The key set that verifies it is public.
    "certificates:credential": [
        Case(
            signed_in(404, learner_other_agency=200, supervisor_other_agency=200, staff=200),
            lambda w: {"code": w.values["sheriff_certificate"]},
            label="sheriff",
        ),
        Case(
            signed_in(404, supervisor=200, staff=200),
            lambda w: {"code": w.values["demo_pd_certificate"]},
            label="demo-pd",
        ),
    ],
    "jwks": [Case(everyone(200))],
    # The sign-out warning's endpoint: how long the session has left (GET), “Stay signed in”
    # (POST); 401, not a redirect, for a session that is over or never was.
    "accounts:session": [
        Case(roles(anonymous=401, **dict.fromkeys(SIGNED_IN, 200))),
        Case(roles(anonymous=401, **dict.fromkeys(SIGNED_IN, 200)), method="post"),
    ],
    # The language switcher: only a post from a page of the site (the matrix's post says
    # nothing of where it comes from); tests/i18n/test_language.py has the rest.
    "accounts:language": [Case(everyone(405)), Case(everyone(403), method="post")],
    "toolkit:index": [Case(signed_in(200))],
    "wellness": [Case(everyone(200))],  # the footer's link, public
    # The learner's calendar feed: the token is the key, no session needed.
    "calendar-feed": [
        Case(everyone(200), _calendar_token),
        Case(everyone(404), _forged_calendar_token, label="forged"),
    ],
    # “Check again” for a learner in no agency: joins by the verified address's domain.
    "accounts:agency-join": [
        Case(signed_in(Redirect("/")), method="post"),
        Case(signed_in(405), label="get"),
    ],
    "accounts:calendar-link": [
        Case(signed_in(Redirect("/accounts/profile/#calendar")), method="post"),
        Case(signed_in(405), label="get"),
    ],
    "reminders:preferences": [Case(signed_in(200))],
    # The signed link is the key: it opens without a session, for whoever holds it.
    "reminders:unsubscribe": [
        Case(everyone(200), _unsubscribe_token),
        Case(everyone(404), _forged_token, label="forged"),
    ],
    "agency:dashboard": [Case(supervisors_only(supervisor=200, supervisor_other_agency=200))],
    "agency:learners": [Case(supervisors_only(supervisor=200, supervisor_other_agency=200))],
    "agency:export": [Case(supervisors_only(supervisor=200, supervisor_other_agency=200))],
    "agency:assignments": [Case(supervisors_only(supervisor=200, supervisor_other_agency=200))],
    # Proof of training: each supervisor sees their own agency's rule, standing and files.
    "agency:compliance": [Case(supervisors_only(supervisor=200, supervisor_other_agency=200))],
    # The rule's form; a POST without data shows it again with its errors (nothing is saved).
    "agency:compliance-rule": [
        Case(supervisors_only(supervisor=200, supervisor_other_agency=200)),
        Case(supervisors_only(supervisor=200, supervisor_other_agency=200), method="post"),
    ],
    "agency:hours": [Case(supervisors_only(supervisor=200, supervisor_other_agency=200))],
    "agency:roster": [Case(supervisors_only(supervisor=200, supervisor_other_agency=200))],
    # Another agency's learner is a 404, exactly like an id that does not exist.
    "agency:learner-transcript": [
        _learner_pages("demo_pd_learner", supervisor=200, supervisor_other_agency=404),
        _learner_pages("sheriff_learner", supervisor=404, supervisor_other_agency=200),
        _learner_pages("no_such_learner", supervisor=404, supervisor_other_agency=404),
    ],
    "agency:learner-transcript-pdf": [
        _learner_pages("demo_pd_learner", supervisor=200, supervisor_other_agency=404),
        _learner_pages("sheriff_learner", supervisor=404, supervisor_other_agency=200),
        _learner_pages("no_such_learner", supervisor=404, supervisor_other_agency=404),
    ],
    # Everyone signed in has a transcript: their own (empty for those with no completion).
    "transcript:page": [Case(signed_in(200))],
    "transcript:pdf": [Case(signed_in(200))],
    "transcript:csv": [Case(signed_in(200))],
    # The form; a POST without data shows it again with its errors (nothing is assigned).
    "agency:assignment-new": [
        Case(supervisors_only(supervisor=200, supervisor_other_agency=200)),
        Case(supervisors_only(supervisor=200, supervisor_other_agency=200), method="post"),
    ],
    # An assignment of another agency is a 404; a POST without data shows the form's errors.
    "agency:assignment-edit": [
        _assignment_pages("demo_pd_assignment", supervisor=200, supervisor_other_agency=404),
        _assignment_pages("sheriff_assignment", supervisor=404, supervisor_other_agency=200),
        _assignment_pages(
            "demo_pd_assignment", supervisor=200, supervisor_other_agency=404, method="post"
        ),
    ],
    # The confirmation page; the POST cancels (rolled back after each case) and returns to the
    # list.
    "agency:assignment-cancel": [
        _assignment_pages("demo_pd_assignment", supervisor=200, supervisor_other_agency=404),
        _assignment_pages("sheriff_assignment", supervisor=404, supervisor_other_agency=200),
        _assignment_pages(
            "demo_pd_assignment",
            supervisor=Redirect("/agency/assignments/?agency={demo_pd}"),
            supervisor_other_agency=404,
            method="post",
        ),
        _assignment_pages(
            "sheriff_assignment",
            supervisor=404,
            supervisor_other_agency=Redirect("/agency/assignments/?agency={sheriff}"),
            method="post",
        ),
    ],
    # A learner outside the supervisor's agencies is a 404, exactly like an id that does not exist.
    "agency:learner-detail": [
        _learner_pages("demo_pd_learner", supervisor=200, supervisor_other_agency=404),
        _learner_pages("sheriff_learner", supervisor=404, supervisor_other_agency=200),
        _learner_pages("no_such_learner", supervisor=404, supervisor_other_agency=404),
    ],
    "agency:nudge": [
        _learner_pages(
            "demo_pd_learner",
            supervisor=Redirect("/agency/learners/{learner_id}/?agency={demo_pd}"),
            supervisor_other_agency=404,
            method="post",
        ),
        _learner_pages(
            "sheriff_learner",
            supervisor=404,
            supervisor_other_agency=Redirect("/agency/learners/{learner_id}/?agency={sheriff}"),
            method="post",
        ),
        _learner_pages(
            "no_such_learner", supervisor=404, supervisor_other_agency=404, method="post"
        ),
    ],
    # Removing a learner from the agency: the confirmation page (GET) and the removal (POST,
    # rolled back after each case), which returns to the learners list. Another agency's
    # learner, a supervisor (oneself included) and an unknown id are all a 404.
    "agency:learner-remove": [
        _learner_pages("demo_pd_learner", supervisor=200, supervisor_other_agency=404),
        _learner_pages("sheriff_learner", supervisor=404, supervisor_other_agency=200),
        _learner_pages("no_such_learner", supervisor=404, supervisor_other_agency=404),
        _learner_pages("demo_pd_supervisor", supervisor=404, supervisor_other_agency=404),
        Case(
            supervisors_only(
                supervisor=Redirect("/agency/learners/?agency={demo_pd}"),
                supervisor_other_agency=404,
            ),
            _learner("demo_pd_learner"),
            label="demo-pd-learner-post",
            method="post",
        ),
        Case(
            supervisors_only(
                supervisor=404,
                supervisor_other_agency=Redirect("/agency/learners/?agency={sheriff}"),
            ),
            _learner("sheriff_learner"),
            label="sheriff-learner-post",
            method="post",
        ),
        Case(
            supervisors_only(supervisor=404, supervisor_other_agency=404),
            _learner("demo_pd_supervisor"),
            label="demo-pd-supervisor-post",
            method="post",
        ),
    ],
    "agency:nudge-overdue": [
        Case(
            supervisors_only(
                supervisor=Redirect("/agency/?agency={demo_pd}"),
                supervisor_other_agency=Redirect("/agency/?agency={sheriff}"),
            ),
            method="post",
        )
    ],
}
# MFA pages of the project's own. The matrix runs with LMS_REQUIRE_MFA off: nobody needs the
# emailed code, so the code page sends everyone on to the two-factor page, and the gated
# activation pages behave as allauth's (test_mfa_enrollment_pages_with_mfa_required below
# covers the gate on).
MFA_ACTIVATE_REAUTH = Redirect(
    "/accounts/reauthenticate/?next=%2Faccounts%2F2fa%2Ftotp%2Factivate%2F"
)
MFA_ADD_KEY_REAUTH = Redirect(
    "/accounts/reauthenticate/?next=%2Faccounts%2F2fa%2Fwebauthn%2Fadd%2F"
)
MATRIX.update(
    {
        "accounts:mfa-email-code": [Case(signed_in(Redirect("/accounts/2fa/")))],
        "accounts:mfa-activate": [Case(signed_in(MFA_ACTIVATE_REAUTH))],
        "accounts:mfa-add-key": [Case(signed_in(MFA_ADD_KEY_REAUTH))],
    }
)
# The studio's rows live beside its tests; they use the primitives above (a late import).
from tests.studio.matrix import STUDIO  # noqa: E402

MATRIX.update(STUDIO)
from tests.certificates.matrix import CERTIFICATES  # noqa: E402

MATRIX.update(CERTIFICATES)
POST_ONLY = sorted(name for name, cases in MATRIX.items() if cases[0].method == "post")


# --- allauth: every URL it registers, by name ---------------------------------------------

HOME = Redirect("/")
ALLAUTH: dict[str, Case] = {
    "account_login": Case(roles(anonymous=200, **dict.fromkeys(SIGNED_IN, HOME))),
    "account_signup": Case(roles(anonymous=200, **dict.fromkeys(SIGNED_IN, HOME))),
    # Signing out asks for confirmation (the sign-out itself is a POST).
    "account_logout": Case(roles(anonymous=HOME, **dict.fromkeys(SIGNED_IN, 200))),
    "account_inactive": Case(everyone(200)),
    "account_reauthenticate": Case(signed_in(200)),
    "account_request_reauthentication_code": Case(signed_in(200)),
    "account_confirm_reauthentication_code": Case(
        signed_in(Redirect("/accounts/reauthenticate/code/"))
    ),
    "account_email": Case(signed_in(200)),
    "account_email_verification_sent": Case(everyone(200)),
    "account_change_password": Case(signed_in(200)),
    # Everyone here has a password already: allauth sends them to change it instead.
    "account_set_password": Case(signed_in(Redirect("/accounts/password/change/"))),
    "account_reset_password": Case(everyone(200)),
    "account_reset_password_done": Case(everyone(200)),
    "account_reset_password_from_key_done": Case(everyone(200)),
    # A real, valid reset link: allauth moves the key into the session and redirects.
    "account_reset_password_from_key": Case(
        everyone(Redirect("/accounts/password/reset/key/{uidb36}-set-password/")),
        lambda w: {"uidb36": w.values["reset_uid"], "key": w.values["reset_key"]},
    ),
    # A real confirmation key for learner@example.com: the page asks to confirm it (a POST).
    "account_confirm_email": Case(everyone(200), lambda w: {"key": w.values["confirm_key"]}),
    # Only reachable in the middle of a sign-in that asked for a code.
    "account_confirm_login_code": Case(
        roles(anonymous=Redirect("/accounts/login/"), **dict.fromkeys(SIGNED_IN, HOME))
    ),
    "mfa_authenticate": Case(
        roles(anonymous=Redirect("/accounts/login/"), **dict.fromkeys(SIGNED_IN, HOME))
    ),
    "mfa_index": Case(signed_in(200)),
    # Security changes ask for the password again first.
    "mfa_reauthenticate": Case(signed_in(Redirect("/accounts/reauthenticate/"))),
    "mfa_activate_totp": Case(
        signed_in(Redirect("/accounts/reauthenticate/?next=%2Faccounts%2F2fa%2Ftotp%2Factivate%2F"))
    ),
    "mfa_generate_recovery_codes": Case(
        signed_in(
            Redirect(
                "/accounts/reauthenticate/?next=%2Faccounts%2F2fa%2Frecovery-codes%2Fgenerate%2F"
            )
        )
    ),
    # Security keys and passkeys: the list shows one's own (none here); adding, editing and
    # removing ask for the password again first (someone else's key is then a 404).
    "mfa_list_webauthn": Case(signed_in(200)),
    "mfa_add_webauthn": Case(signed_in(MFA_ADD_KEY_REAUTH)),
    "mfa_remove_webauthn": Case(
        signed_in(
            Redirect(
                "/accounts/reauthenticate/?next=%2Faccounts%2F2fa%2Fwebauthn%2Fkeys%2F{pk}%2Fremove%2F"
            )
        ),
        lambda w: {"pk": w.values["holder_key"]},
    ),
    "mfa_edit_webauthn": Case(
        signed_in(
            Redirect(
                "/accounts/reauthenticate/?next=%2Faccounts%2F2fa%2Fwebauthn%2Fkeys%2F{pk}%2Fedit%2F"
            )
        ),
        lambda w: {"pk": w.values["holder_key"]},
    ),
    # Confirming with a key needs a key: these roles have none and confirm with the password.
    "mfa_reauthenticate_webauthn": Case(signed_in(Redirect("/accounts/reauthenticate/"))),
    # Signing in with a passkey: the page's script fetches the options (JSON); a plain GET goes
    # back to the sign-in page, and someone signed in already goes home.
    "mfa_login_webauthn": Case(
        roles(anonymous=Redirect("/accounts/login/"), **dict.fromkeys(SIGNED_IN, HOME))
    ),
    # Nobody in these roles has an authenticator: there is nothing to turn off or show.
    "mfa_deactivate_totp": Case(signed_in(404)),
    "mfa_view_recovery_codes": Case(signed_in(404)),
    "mfa_download_recovery_codes": Case(signed_in(404)),
}


# --- Django admin: one rule per kind of URL -------------------------------------------------

# Admin classes that refuse to add, change or delete (view-only for staff).
# The audit log is written by exports; course content only through courses.content;
# certificates are issued with completions and revoked by an action.
# allauth's authenticators are listed only: a reset goes through the users' audited action.
READ_ONLY_ADMINS = {AuditEvent, ExportLog, Series, Module, Component, Certificate, Authenticator}
MODEL_SUFFIXES = ("changelist", "add", "change", "history", "delete")


def _object_of(model: type) -> Callable[[World], dict]:
    return lambda w: {"object_id": w.admin_objects[model].pk}


def _view_on_site(w: World) -> dict:
    return {"content_type_id": w.values["series_content_type"], "object_id": w.values["series_pk"]}


def _admin_case(name: str | None, pattern: URLPattern) -> Case:
    """Everyone but staff is sent to sign in: signed-in non-staff to the admin's login (which
    refuses them with 403, allauth's secure_admin_login), anonymous users to the admin's login
    (which sends them on to allauth's) or, for the model pages, which LoginRequiredMiddleware
    guards first, straight to allauth's. Staff get the page."""
    model_admin = getattr(pattern.callback, "model_admin", None)
    key = name.split(":", 1)[1] if name else None
    kwargs: Callable[[World], dict] = _no_kwargs
    query = ""
    anonymous: Expect = ADMIN_LOGIN

    if key == "login":
        return Case(
            roles(
                anonymous=Redirect("/accounts/login/?next=%2Fadmin%2Flogin%2F"),
                **dict.fromkeys(SIGNED_IN[:-1], 403),  # allauth's secure_admin_login
                staff=Redirect("/admin/"),
            )
        )
    if key == "logout":  # signed-in non-staff go to the index (then its login); GET is 405
        return Case(
            roles(
                anonymous=ADMIN_LOGIN,
                **dict.fromkeys(SIGNED_IN[:-1], Redirect("/admin/")),
                staff=405,
            )
        )
    if key in ("index", "password_change", "password_change_done", "jsi18n"):
        staff: Expect = 200
    elif key == "app_list":
        staff, kwargs = 200, lambda w: {"app_label": "courses"}
    elif key == "autocomplete":  # the membership form's user field, as the admin widget asks
        staff, query = 200, "app_label=accounts&model_name=membership&field_name=user&term=casey"
    elif key == "view_on_site":
        staff = Redirect(f"http://testserver/series/{SERIES_SLUG}/")
        kwargs = _view_on_site
    elif key == "auth_user_password_change":
        staff, anonymous, kwargs = 200, LOGIN, lambda w: {"id": w.users["learner"].pk}
    elif model_admin is not None:
        model = model_admin.model
        suffix = key.rsplit("_", 1)[1] if key else "redirect"
        assert key is None or key == f"{model._meta.app_label}_{model._meta.model_name}_{suffix}"
        assert suffix in (*MODEL_SUFFIXES, "redirect"), f"unknown admin view {name}"
        anonymous = LOGIN
        read_only = model in READ_ONLY_ADMINS
        staff = 403 if read_only and suffix in ("add", "delete") else 200
        if suffix != "changelist" and suffix != "add":
            kwargs = _object_of(model)
        if suffix == "redirect":  # the bare object URL forwards to its change page
            info = (model._meta.app_label, model._meta.model_name)
            staff = Redirect("/admin/%s/%s/{object_id}/change/" % info)  # noqa: UP031
    elif name is None and str(pattern.pattern) == "(?P<url>.*)$":  # final catch-all
        staff, kwargs = 404, lambda w: {"url": "no-such-page/"}
    else:
        raise KeyError(f"no admin rule for {name or pattern.pattern}: add one to _admin_case")
    return Case(
        roles(anonymous=anonymous, **dict.fromkeys(SIGNED_IN[:-1], ADMIN_LOGIN), staff=staff),
        kwargs,
        query=query,
    )


# --- Enumerating the resolver --------------------------------------------------------------


@dataclass(frozen=True)
class Route:
    name: str | None  # full namespaced name, None for unnamed patterns
    route: str  # the full pattern, e.g. "agency/learners/<int:learner_id>/"
    pattern: URLPattern

    @property
    def key(self) -> str:
        return self.name or f"(unnamed) {self.route}"


def _walk(resolver: URLResolver, prefix: str = "", namespace: str = "") -> Iterator[Route]:
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            inner = namespace
            if entry.namespace:
                inner = f"{namespace}:{entry.namespace}" if namespace else entry.namespace
            yield from _walk(entry, prefix + str(entry.pattern), inner)
        else:
            name = entry.name and (f"{namespace}:{entry.name}" if namespace else entry.name)
            yield Route(name, prefix + str(entry.pattern), entry)


ROUTES = list(_walk(get_resolver()))


def _cases_for(route: Route) -> list[Case] | None:
    if route.name in MATRIX:
        return MATRIX[route.name]
    if route.route.startswith("admin/"):
        return [_admin_case(route.name, route.pattern)]
    if route.name in ALLAUTH:
        return [ALLAUTH[route.name]]
    return None


def _params() -> Iterator:
    for route in ROUTES:
        cases = _cases_for(route)
        if cases is None:
            yield pytest.param(route, None, "anonymous", id=f"{route.key}-UNCOVERED")
            continue
        for index, case in enumerate(cases):
            label = f"[{case.label}]" if case.label else ""
            for role in ROLES:
                yield pytest.param(route, index, role, id=f"{route.key}{label}-{role}")


def _url(route: Route, case: Case, world: World) -> tuple[str, dict]:
    kwargs = case.kwargs(world)
    name = route.name
    if name is None:  # unnamed admin patterns cannot be reversed: fill the route in
        url = "/" + route.route
        for key, value in kwargs.items():
            url = url.replace(f"<path:{key}>", str(value))
        url = url.replace("(?P<url>.*)$", kwargs.get("url", ""))
        assert "<" not in url and "(" not in url, url
    else:
        url = reverse(name, kwargs=kwargs or None)
    return url + (f"?{case.query}" if case.query else ""), kwargs


def _client(world: World, role: str) -> Client:
    client = Client()  # does not enforce CSRF: POST-only views are reached with a plain POST
    if role != "anonymous":
        client.force_login(world.users[role])
    return client


def _body(response: HttpResponse) -> str:
    if response.get("Content-Type", "").startswith("application/pdf"):
        return ""  # a document, not a page: nothing of the page checks applies
    if response.streaming:
        return b"".join(response.streaming_content).decode()
    return response.content.decode()


def _check(response: HttpResponse, expect: Expect, url: str, values: dict, what: str) -> None:
    location = response.get("Location", "")
    got = f"{response.status_code}" + (f" to {location}" if location else "")
    if isinstance(expect, int):
        assert response.status_code == expect, f"{what}: expected {expect}, got {got}"
    elif isinstance(expect, Redirect):
        target = expect.to.format(**values)
        assert (response.status_code, location) == (302, target), (
            f"{what}: expected 302 to {target}, got {got}"
        )
    else:
        assert response.status_code == 302, f"{what}: expected {expect}, got {got}"
        parsed = urlparse(location)
        assert parsed.path == expect.login, f"{what}: expected {expect}, got {got}"
        assert parse_qs(parsed.query).get("next") == [url], f"{what}: expected {expect}, got {got}"


# The responses that choose their own cache policy: the public key set (public, an hour) and the
# training videos (private to the browser, an hour, for seeking). Every other response, whoever
# asks, is ``no-store`` (lms.cache_headers): nothing a page or file shows stays in a cache.
OWN_CACHE_POLICY = {"jwks", "courses:component-media", "studio:preview-media"}
# The videos and their captions carry their own sandboxing policy, which the site's policy must
# not replace.
SANDBOXED = {
    "courses:component-media",
    "studio:preview-media",
    "courses:component-captions",
    "studio:preview-captions",
}


def _check_security_headers(response: HttpResponse, route: Route, what: str) -> None:
    """Every response: the Content-Security-Policy, the Permissions-Policy and, unless the view
    chose a cache policy itself, ``Cache-Control: no-store``."""
    policy = response.get("Content-Security-Policy", "")
    if route.name in SANDBOXED and response.status_code in (200, 206):
        assert policy == "sandbox", f"{what}: the video's own policy was replaced: {policy!r}"
    else:
        assert "default-src 'self'" in policy, f"{what}: no Content-Security-Policy"
        assert "unsafe-inline" not in policy, what
    assert "camera=()" in response.get("Permissions-Policy", ""), f"{what}: no Permissions-Policy"
    cache = response.get("Cache-Control", "")
    if route.name not in OWN_CACHE_POLICY:
        assert "no-store" in cache, f"{what}: Cache-Control {cache!r}, not no-store"


@pytest.fixture(autouse=True)
def _mfa_off(settings):
    settings.LMS_REQUIRE_MFA = False


@pytest.mark.parametrize(("route", "case_index", "role"), list(_params()))
def test_url_matrix(world: World, route: Route, case_index: int | None, role: str):
    """Each URL pattern, each role: the exact status (and where a redirect leads)."""
    assert case_index is not None, (
        f"URL {route.key!r} ({route.route}) has no expectation: add it to MATRIX"
    )
    case = _cases_for(route)[case_index]
    # Each request in a savepoint rolled back after: a POST never changes the next case.
    with transaction.atomic():
        url, kwargs = _url(route, case, world)
        response = getattr(_client(world, role), case.method)(url)
        what = f"{role} {case.method.upper()} {url} ({route.key})"
        _check(response, case.expect[role], url, {**world.values, **kwargs}, what)
        _check_security_headers(response, route, what)
        checks_body = role in SUPERVISORS and route.key.startswith("agency:")
        body = _body(response) if checks_body and response.status_code == 200 else ""
        if response.streaming and not body:
            # Read to the end: the test client then closes it with the database connection kept
            # (a bare close() would fire request_finished and close it inside this transaction).
            b"".join(response.streaming_content)
        transaction.set_rollback(True)

    if role in SUPERVISORS and route.key.startswith("agency:") and response.status_code == 200:
        # What a supervisor sees names only learners of their own agency.
        other = world.agencies[DEMO_PD if SUPERVISORS[role] == SHERIFF else SHERIFF]
        strangers = User.objects.filter(memberships__agency=other).values_list("email", "full_name")
        leaked = [e for pair in strangers for e in pair if e and e in body]
        assert not leaked, f"{what} shows people of {other}: {leaked}"
        assert other.name not in body and escape(other.name) not in body, what


def test_every_url_pattern_has_an_expectation():
    """A new URL without an entry fails here, naming it; an entry for a removed URL too."""
    uncovered = [f"{r.key} ({r.route})" for r in ROUTES if _cases_for(r) is None]
    assert not uncovered, f"URLs without an expectation (add them to MATRIX): {uncovered}"
    names = {r.name for r in ROUTES}
    stale = sorted((set(MATRIX) | set(ALLAUTH)) - names)
    assert not stale, f"MATRIX/ALLAUTH entries for URLs that no longer exist: {stale}"
    # Every project area is enumerated, not just what the group rules caught.
    project = {
        r.name
        for r in ROUTES
        if r.name and r.name.split(":")[0] in ("courses", "agency", "reminders", "studio")
    }
    assert project <= set(MATRIX)
    assert {r.name for r in ROUTES if r.name and r.name.startswith(("account_", "mfa_"))} == set(
        ALLAUTH
    )


@pytest.mark.parametrize("name", POST_ONLY)
def test_post_only_views_refuse_get(world: World, name: str):
    """Forms post to these; a GET (a link, a prefetch) changes nothing and gets 405."""
    route = next(r for r in ROUTES if r.name == name)
    url, _ = _url(route, MATRIX[name][0], world)
    assert _client(world, "supervisor").get(url).status_code == 405


def test_admin_sends_anonymous_users_on_to_the_allauth_login(world: World):
    """/admin/ → /admin/login/ → allauth's login page, which returns to the admin after."""
    response = Client().get("/admin/", follow=True)
    assert [url for url, _ in response.redirect_chain] == [
        "/admin/login/?next=/admin/",
        "/accounts/login/?next=%2Fadmin%2F",
    ]
    assert response.status_code == 200


def test_another_agencys_learner_is_indistinguishable_from_no_learner(world: World):
    """The supervisor's 404 for a learner of another agency is the same page as for an id
    that does not exist: nothing confirms that the id is a real person."""
    client = _client(world, "supervisor")
    stranger = client.get(f"/agency/learners/{world.values['sheriff_learner']}/")
    nobody = client.get(f"/agency/learners/{world.values['no_such_learner']}/")
    assert stranger.status_code == nobody.status_code == 404
    assert stranger.content == nobody.content
    assert b"Casey Porter" not in stranger.content


@pytest.mark.parametrize("path", ["/agency/", "/agency/learners/", "/agency/export.csv"])
def test_asking_for_another_agency_by_slug_shows_ones_own(world: World, path: str):
    """``?agency=<slug of another agency>`` falls back to the supervisor's own agency."""
    response = _client(world, "supervisor").get(path, {"agency": SHERIFF})
    assert response.status_code == 200
    body = _body(response)
    assert "Demo Police Department" in body
    assert "casey.porter@example.com" not in body and "Casey Porter" not in body


# --- MFA on supervisor pages ---------------------------------------------------------------

AGENCY_CASES = [
    pytest.param(route, index, id=f"{route.key}[{case.label}]" if case.label else route.key)
    for route in ROUTES
    if route.name and route.name.startswith("agency:")
    for index, case in enumerate(MATRIX[route.name])
]


@pytest.mark.parametrize(("route", "case_index"), AGENCY_CASES)
def test_with_mfa_required_a_supervisor_without_it_is_sent_to_set_it_up(
    world: World, settings, route: Route, case_index: int
):
    """LMS_REQUIRE_MFA on: every agency page sends a supervisor without an authenticator to
    the two-factor page, before anything about the URL is looked at."""
    settings.LMS_REQUIRE_MFA = True
    case = MATRIX[route.name][case_index]
    url, _ = _url(route, case, world)
    response = getattr(_client(world, "supervisor"), case.method)(url)
    assert (response.status_code, response.get("Location")) == (302, "/accounts/2fa/")


@pytest.mark.parametrize(("route", "case_index"), AGENCY_CASES)
def test_with_mfa_required_a_supervisor_with_totp_gets_the_page(
    world: World, settings, route: Route, case_index: int
):
    """…and with a TOTP authenticator the same supervisor gets what the matrix says (200 for
    every page of their own agency)."""
    settings.LMS_REQUIRE_MFA = True
    supervisor = world.users["supervisor"]
    Authenticator.objects.create(
        user=supervisor, type=Authenticator.Type.TOTP, data={"secret": "JBSWY3DPEHPK3PXP"}
    )
    case = MATRIX[route.name][case_index]
    url, kwargs = _url(route, case, world)
    response = getattr(_client(world, "supervisor"), case.method)(url)
    what = f"supervisor with TOTP {case.method.upper()} {url}"
    _check(response, case.expect["supervisor"], url, {**world.values, **kwargs}, what)


def test_with_mfa_required_the_supervisor_is_told_why(world: World, settings):
    """The redirect lands on the two-factor page with a message saying why."""
    settings.LMS_REQUIRE_MFA = True
    response = _client(world, "supervisor").get("/agency/", follow=True)
    assert response.redirect_chain == [("/accounts/2fa/", 302)]
    assert "turn on two-factor authentication" in response.content.decode()


@pytest.mark.parametrize("role", ["learner", "author", "staff"])
def test_with_mfa_required_non_supervisors_are_still_refused(world: World, settings, role):
    """MFA is no way in: someone who supervises nothing gets 403, not the set-up page."""
    settings.LMS_REQUIRE_MFA = True
    assert _client(world, role).get("/agency/").status_code == 403


@pytest.mark.parametrize("role", SIGNED_IN)
def test_mfa_enrollment_pages_with_mfa_required(world: World, settings, role):
    """LMS_REQUIRE_MFA on: the roles that must use MFA (supervisors, the author, staff) reach the
    emailed-code page and are sent there from both pages that add an authenticator; learners
    are not (they go straight to allauth's password check)."""
    settings.LMS_REQUIRE_MFA = True
    client = _client(world, role)
    code_page = client.get("/accounts/2fa/email-code/")
    activate = client.get("/accounts/2fa/totp/activate/")
    add_key = client.get("/accounts/2fa/webauthn/add/")
    if role.startswith("learner"):
        assert (code_page.status_code, code_page["Location"]) == (302, "/accounts/2fa/")
        assert activate["Location"] == MFA_ACTIVATE_REAUTH.to
        assert add_key["Location"] == MFA_ADD_KEY_REAUTH.to
    else:
        assert code_page.status_code == 200
        assert world.users[role].email in code_page.content.decode()
        assert (
            activate["Location"]
            == "/accounts/2fa/email-code/?next=%2Faccounts%2F2fa%2Ftotp%2Factivate%2F"
        )
        assert (
            add_key["Location"]
            == "/accounts/2fa/email-code/?next=%2Faccounts%2F2fa%2Fwebauthn%2Fadd%2F"
        )


@pytest.mark.parametrize(
    ("module", "env", "required"),
    [
        ("lms.settings.production", {}, "True"),  # DEBUG off by default there
        ("lms.settings.base", {"DEBUG": "false"}, "True"),
        ("lms.settings.base", {"DEBUG": "true"}, "False"),
        ("lms.settings.base", {}, "False"),  # the embedded default runs with DEBUG on
        # ``make run`` serves with DEBUG off and turns MFA off for the demo (scripts/run-demo).
        ("lms.settings.base", {"DEBUG": "false", "LMS_REQUIRE_MFA": "false"}, "False"),
    ],
)
def test_mfa_is_required_by_default_when_debug_is_off(settings, module, env, required):
    """LMS_REQUIRE_MFA defaults to on whenever DEBUG is off, unless it is turned off."""
    keep = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "LMS_REQUIRE_MFA"}}
    code = "import django; django.setup(); from django.conf import settings; "
    code += "print(settings.LMS_REQUIRE_MFA)"
    result = subprocess.run(  # noqa: S603 (our own interpreter and code)
        [sys.executable, "-c", code],
        cwd=Path(__file__).resolve().parents[1],
        env={
            **keep,
            "SECRET_KEY": "k" * 50,
            "LMS_SIGNING_KEY": settings.LMS_SIGNING_KEY,
            "DJANGO_SETTINGS_MODULE": module,
            **env,
        },
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == required


# --- The seed the matrix and the supervisor pages stand on ----------------------------------


def test_seeded_due_dates_count_from_the_agencys_today(monkeypatch):
    """Grace Kim's plan is “due 1 day ago”: overdue on the supervisor's pages at any hour.

    At 02:30 UTC it is still the day before in New York (Demo Police Department)."""
    moment = timezone.now().replace(hour=2, minute=30, second=0, microsecond=0)
    monkeypatch.setattr(timezone, "now", lambda: moment)
    monkeypatch.setenv("DEMO_PASSWORD", DEMO_PASSWORD)
    User.objects.filter(email="grace.kim@example.com").delete()  # walked afresh, at ``moment``
    call_command("seed_demo", stdout=io.StringIO())

    demo = Agency.objects.get(slug=DEMO_PD)
    agency_today = timezone.localdate(timezone=zoneinfo.ZoneInfo(demo.timezone))
    assert agency_today < moment.date()
    supervisor = User.objects.get(email="supervisor@example.com")
    grace = enrollments_for_supervisor(supervisor=supervisor, agency=demo).get(
        user__email="grace.kim@example.com"
    )
    assert grace.due_on == agency_today - timedelta(days=1)
    assert grace.status == "overdue"
