"""The world the fuzz runs in: ``seed_demo`` and the URL matrix's additions (the same objects
the role-by-URL matrix opens), plus a published series with every kind of component, in which
the demo learner is enrolled and part-way through, built through the product's own services."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from allauth.account.models import EmailAddress, EmailConfirmationHMAC
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import reverse

from accounts.models import AUTHORS_GROUP, User
from courses import content, quizzes, services
from courses.models import Component, Module, Question, QuizAttempt, Series
from tests.accounts.softkey import SoftKey, page_data
from tests.test_url_matrix import DEMO_PASSWORD, World, _build_world
from toolkit.models import Resource
from toolkit.services import resource_set_active

FUZZ_SERIES = "fuzz-every-kind"
FUZZ_OPEN = "fuzz-open-series"  # published, nobody enrolled: for enrolling
MFA_HOLDER = "mfa.holder@example.org"  # the matrix's user with a TOTP authenticator
WEBAUTHN_HOST = "localhost"


@dataclass
class FuzzWorld:
    matrix: World  # the URL matrix's world: users by role, agencies, ids
    series: Series  # every kind of component, the learner enrolled
    open_series: Series
    components: dict[str, Component]  # by kind (and "advisory-document")
    questions: dict[str, Question]  # "quiz-single", "survey-likert", ...
    attempt: QuizAttempt  # the learner's open attempt at the quiz
    unconfirmed_key: str  # the confirmation key of an address added, not yet verified
    passkey: SoftKey  # the holder's passkey (a software WebAuthn key), registered
    passkey_id: int  # its authenticator's id
    modules: dict[str, Module]
    resource: Resource
    retired_resource: Resource
    users: dict[str, User] = field(default_factory=dict)

    def user(self, role: str) -> User:
        return self.users[role]


def _series_document(resource_slug: str) -> dict:
    choice = lambda text, correct=False: {"text": text, "correct": correct}  # noqa: E731
    return {
        "format": 1,
        "series": {
            "slug": FUZZ_SERIES,
            "title": "Fuzz: every kind of component",
            "provider": "Fuzz",
            "summary": "Every kind of component, for the fuzz tests.",
            "topics": ["Everything"],
            "credit_hours": "2",
            "credit_type": "POST CPT",
            "status": "published",
            "modules": [
                {
                    "slug": "everything",
                    "title": "Every kind",
                    "summary": "",
                    "topics": [],
                    "objectives": [],
                    "estimated_minutes": 10,
                    "prerequisites": [],
                    "content_advisory": "This module discusses difficult material.",
                    "components": [
                        {
                            "slug": "video",
                            "title": "Video",
                            "kind": "video",
                            "required": True,
                            "video_file": "demo-training-video.webm",
                            "duration_seconds": 12,
                            "captions_file": "demo-training-video.en.vtt",
                            "transcript": "What the video says.",
                        },
                        {
                            "slug": "reading",
                            "title": "Reading",
                            "kind": "document",
                            "required": True,
                            "body": "Read this.",
                        },
                        {
                            "slug": "quiz",
                            "title": "Quiz",
                            "kind": "quiz",
                            "required": True,
                            "pass_mark": 50,
                            "max_attempts": 0,
                            "questions": [
                                {
                                    "slug": "single",
                                    "kind": "single",
                                    "text": "Pick one.",
                                    "explanation": "Because.",
                                    "choices": [choice("Right", True), choice("Wrong")],
                                },
                                {
                                    "slug": "multiple",
                                    "kind": "multiple",
                                    "text": "Pick every right one.",
                                    "choices": [
                                        choice("A", True),
                                        choice("B", True),
                                        choice("C"),
                                    ],
                                },
                            ],
                        },
                        {
                            "slug": "survey",
                            "title": "Survey",
                            "kind": "survey",
                            "required": True,
                            "questions": [
                                {"slug": "likert", "kind": "likert", "text": "Agree?"},
                                {
                                    "slug": "text",
                                    "kind": "text",
                                    "text": "In your words?",
                                    "required": False,
                                },
                                {
                                    "slug": "single",
                                    "kind": "single",
                                    "text": "One?",
                                    "required": False,
                                    "choices": [choice("X"), choice("Y")],
                                },
                                {
                                    "slug": "multiple",
                                    "kind": "multiple",
                                    "text": "Many?",
                                    "choices": [choice("X"), choice("Y"), choice("Z")],
                                },
                            ],
                        },
                        {
                            "slug": "resource",
                            "title": "Resource",
                            "kind": "resource",
                            "required": True,
                            "resource": resource_slug,
                        },
                        {
                            "slug": "certificate",
                            "title": "Certificate",
                            "kind": "certificate",
                            "required": False,
                            "certificate_title": "Fuzz certificate",
                        },
                    ],
                },
                {
                    "slug": "second",
                    "title": "Second module",
                    "summary": "",
                    "topics": [],
                    "objectives": [],
                    "estimated_minutes": 5,
                    "prerequisites": [],
                    "content_advisory": "Another difficult module.",
                    "components": [
                        {
                            "slug": "notes",
                            "title": "Notes",
                            "kind": "document",
                            "required": True,
                            "body": "Notes.",
                        }
                    ],
                },
            ],
        },
    }


def _register_passkey(user: User) -> tuple[SoftKey, int]:
    """A passkey for ``user``, registered the way a browser does it (the page's challenge, a
    software key's answer): WebAuthn needs a secure origin, and fido2 counts localhost as one."""
    key = SoftKey(origin=f"http://{WEBAUTHN_HOST}")
    client = Client(HTTP_HOST=WEBAUTHN_HOST)
    client.force_login(user)
    assert (
        client.post(reverse("account_reauthenticate"), {"password": DEMO_PASSWORD}).status_code
        == 302
    )
    page = client.get(reverse("mfa_add_webauthn"))
    credential = key.create(page_data(page.content.decode())["creation_options"], passkey=True)
    response = client.post(
        reverse("mfa_add_webauthn"),
        {"name": "Desk key", "credential": json.dumps(credential), "passwordless": "on"},
    )
    assert response.status_code == 302, response
    return key, Authenticator.objects.get(user=user, type=Authenticator.Type.WEBAUTHN).pk


def build() -> FuzzWorld:
    """Call inside the transaction that holds the seed (see conftest)."""
    matrix = _build_world()
    users = dict(matrix.users)
    holder = users["mfa_holder"] = User.objects.get(email=MFA_HOLDER)
    # Signs in like everyone else: a verified address, and recovery codes beside the TOTP.
    EmailAddress.objects.create(user=holder, email=holder.email, verified=True, primary=True)
    RecoveryCodes.activate(holder)
    # The matrix gave the holder a key with no credential in it (its pages only need the row):
    # the holder's passkey is registered for real and takes that row.
    placeholder = Authenticator.objects.get(user=holder, type=Authenticator.Type.WEBAUTHN)
    passkey_id = placeholder.pk
    placeholder.delete()
    passkey, registered = _register_passkey(holder)
    real = Authenticator.objects.get(pk=registered)
    real.delete()
    Authenticator.objects.create(id=passkey_id, user=holder, type=real.type, data=real.data)
    resources = list(Resource.objects.filter(is_active=True).order_by("pk")[:2])
    resource, retired = resources
    resource_set_active(resource=retired, is_active=False)  # for the restore page

    series, _ = content.series_import(_series_document(resource.slug))
    open_series = content.series_create(title="Fuzz: open for enrolment", slug=FUZZ_OPEN)
    opener = content.module_create(series=open_series, title="Only module")
    content.component_create(module=opener, kind="document", title="Only reading", body="Hi.")
    content.series_set_status(series=open_series, status=Series.Status.PUBLISHED)

    learner = users["learner"]
    services.enrollment_create(user=learner, series=series)
    modules = {m.slug: m for m in series.modules.all()}
    services.advisory_acknowledge(user=learner, module=modules["everything"])
    components = {c.kind: c for c in modules["everything"].components.select_related("module")}
    components["second-document"] = modules["second"].components.get()
    for kind in ("video", "document", "quiz", "survey"):
        services.progress_start(user=learner, component=components[kind])
    attempt = quizzes.quiz_attempt_start(user=learner, component=components["quiz"])
    questions = {
        f"{q.component.kind}-{q.slug}": q
        for q in Question.objects.filter(component__module__series=series).select_related(
            "component"
        )
    }
    Group.objects.get(name=AUTHORS_GROUP)  # the seed made it; the author is in it
    # Not the learner's: allauth lets nobody with an unverified address set up TOTP.
    added = EmailAddress.objects.create(
        user=users["learner_other_agency"], email="second.address@example.org"
    )
    return FuzzWorld(
        matrix=matrix,
        series=series,
        open_series=open_series,
        components=components,
        questions=questions,
        attempt=attempt,
        unconfirmed_key=EmailConfirmationHMAC(added).key,
        passkey=passkey,
        passkey_id=passkey_id,
        modules=modules,
        resource=resource,
        retired_resource=retired,
        users=users,
    )
