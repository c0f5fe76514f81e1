"""The supervisor's endpoints: nudges, the agency's training rule, assignments."""

from __future__ import annotations

from hypothesis import strategies as st

from accounts.models import Membership
from courses.models import Enrollment
from tests.fuzz.strategies import SPECIAL_URLS, FieldSpec
from tests.fuzz.target import Specs, Target, huge, url, writes
from tests.fuzz.world import FuzzWorld
from tests.test_url_matrix import DEMO_PD, SHERIFF

NEXT = FieldSpec(
    "next",
    "url",
    current=("/agency/learners/",),
    valid=st.sampled_from(["/agency/learners/?status=overdue", "/agency/", *SPECIAL_URLS]),
)
AGENCY = FieldSpec("agency", "choice", choices=(DEMO_PD, SHERIFF, "no-such-agency"))


def _learner(world: FuzzWorld) -> int:
    return int(world.matrix.values["demo_pd_learner"])  # type: ignore[call-overload]


def _nudge_fields(world: FuzzWorld, specs: Specs) -> Specs:
    enrollments = tuple(
        str(pk)
        for pk in Enrollment.objects.filter(user_id=_learner(world)).values_list("pk", flat=True)
    )
    others = tuple(str(pk) for pk in Enrollment.objects.values_list("pk", flat=True)[:5])
    return [FieldSpec("enrollment", "choice", choices=enrollments + others), NEXT, AGENCY]


def _learners_url(name: str):
    def others(world: FuzzWorld) -> list[str]:
        values = world.matrix.values
        return [
            url(name, learner_id=values["sheriff_learner"]),  # another agency's: 404
            url(name, learner_id=values["no_such_learner"]),
            url(name, learner_id=world.user("supervisor").pk),  # a supervisor, not a learner
            huge(name, "learner_id"),
        ]

    return others


def _agency_emails(world: FuzzWorld) -> list[str]:
    demo_pd = world.matrix.agencies[DEMO_PD]
    return sorted(
        Membership.objects.filter(agency=demo_pd, role=Membership.Role.LEARNER).values_list(
            "user__email", flat=True
        )
    )


def _assignment_fields(world: FuzzWorld, specs: Specs) -> Specs:
    emails = [*_agency_emails(world), "casey.porter@example.com", "supervisor@example.com"]
    listed = st.lists(st.sampled_from(emails), min_size=1, max_size=4)
    learner_emails = st.tuples(listed, st.sampled_from([", ", "\n", ";", " ,\r\n", "\t"])).map(
        lambda pair: pair[1].join(pair[0])
    )
    return [
        spec.but(valid=learner_emails) if spec.name == "learner_emails" else spec for spec in specs
    ] + [AGENCY]


def _assignment(key: str):
    return lambda w: url("agency:assignment-edit", assignment_id=w.matrix.values[key])


def _assignment_others(name: str):
    def others(world: FuzzWorld) -> list[str]:
        return [
            url(name, assignment_id=world.matrix.values["sheriff_assignment"]),  # 404
            url(name, assignment_id=10**9),
            huge(name, "assignment_id"),
        ]

    return others


ASSIGNMENT_WRITES = writes("courses.*", "certificates.*", "reminders.*")

SUPERVISOR: list[Target] = [
    Target(
        "agency:nudge",
        "supervisor",
        lambda w: url("agency:nudge", learner_id=_learner(w)),
        others=_learners_url("agency:nudge"),
        form_page=None,
        fields=_nudge_fields,
        writes=writes("reminders.Reminder"),
    ),
    Target(
        "agency:nudge-overdue",
        "supervisor",
        lambda w: url("agency:nudge-overdue"),
        form_page=None,
        fields=lambda w, specs: [NEXT, AGENCY],
        writes=writes("reminders.Reminder"),
    ),
    Target(
        "agency:compliance-rule",
        "supervisor",
        lambda w: url("agency:compliance-rule"),
        others=lambda w: [
            url("agency:compliance-rule") + "?rule=1",
            url("agency:compliance-rule") + f"?agency={SHERIFF}",
            url("agency:compliance-rule") + "?rule=" + "9" * 30,
        ],
        fields=lambda w, specs: [*specs, AGENCY],
        examples=40,
        writes=writes("certificates.TrainingRule"),
    ),
    Target(
        "agency:assignment-new",
        "supervisor",
        lambda w: url("agency:assignment-new"),
        fields=_assignment_fields,
        examples=50,
        writes=ASSIGNMENT_WRITES,
    ),
    Target(
        "agency:assignment-edit",
        "supervisor",
        _assignment("demo_pd_assignment"),
        others=_assignment_others("agency:assignment-edit"),
        examples=40,
        writes=ASSIGNMENT_WRITES,
    ),
    Target(
        "agency:assignment-cancel",
        "supervisor",
        lambda w: url(
            "agency:assignment-cancel", assignment_id=w.matrix.values["demo_pd_assignment"]
        ),
        others=_assignment_others("agency:assignment-cancel"),
        writes=ASSIGNMENT_WRITES,
    ),
]
