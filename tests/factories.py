"""Test data, built through the same services the product uses where there is one."""

import factory
from allauth.account.models import EmailAddress
from django.contrib.auth.models import Group

from accounts.models import AUTHORS_GROUP, Agency, Membership, User
from accounts.services import membership_ensure
from courses.models import Choice, Component, Module, Question, Series
from toolkit.models import Resource

PASSWORD = "correct horse battery staple"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.org")
    full_name = factory.Faker("name")

    @factory.post_generation
    def password(self, create, extracted, **kwargs):
        self.set_password(extracted or PASSWORD)
        if create:
            self.save(update_fields=["password"])
            EmailAddress.objects.create(user=self, email=self.email, verified=True, primary=True)


class AgencyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Agency

    name = factory.Sequence(lambda n: f"Agency {n}")
    slug = factory.Sequence(lambda n: f"agency-{n}")
    timezone = "America/New_York"


def learner_of(agency: Agency, **kwargs) -> User:
    user = UserFactory(**kwargs)
    membership_ensure(user=user, agency=agency, role=Membership.Role.LEARNER)
    return user


def supervisor_of(agency: Agency, **kwargs) -> User:
    user = UserFactory(**kwargs)
    membership_ensure(user=user, agency=agency, role=Membership.Role.SUPERVISOR)
    return user


def author(**kwargs) -> User:
    user = UserFactory(**kwargs)
    user.groups.add(Group.objects.get_or_create(name=AUTHORS_GROUP)[0])
    return user


class ResourceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Resource

    slug = factory.Sequence(lambda n: f"resource-{n}")
    title = factory.Sequence(lambda n: f"Resource {n}")
    source = "NCMEC"
    description = "A resource for people supporting survivors."
    url = factory.Sequence(lambda n: f"https://publisher.example.org/resource-{n}")
    folder = Resource.Folder.CSAM
    category = Resource.Category.FACT_SHEETS


class SeriesFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Series

    slug = factory.Sequence(lambda n: f"series-{n}")
    title = factory.Sequence(lambda n: f"Series {n}")
    provider = "NCMEC"
    summary = "A training series."
    status = Series.Status.PUBLISHED


class ModuleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Module

    series = factory.SubFactory(SeriesFactory)
    slug = factory.Sequence(lambda n: f"module-{n}")
    title = factory.Sequence(lambda n: f"Module {n}")
    position = factory.Sequence(lambda n: n + 1)


class ComponentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Component

    module = factory.SubFactory(ModuleFactory)
    slug = factory.Sequence(lambda n: f"component-{n}")
    title = factory.Sequence(lambda n: f"Component {n}")
    position = factory.Sequence(lambda n: n + 1)
    kind = Component.Kind.DOCUMENT
    body = "Read this."


def video(module: Module, *, duration: int = 100, **kwargs) -> Component:
    """A video with its transcript (a published series shows none without captions or one)."""
    kwargs.setdefault("transcript", "What the instructor says in the video.")
    return ComponentFactory(
        module=module,
        kind=Component.Kind.VIDEO,
        video_file="videos/demo-training-video.webm",
        duration_seconds=duration,
        body="",
        **kwargs,
    )


def resource_component(module: Module, **kwargs) -> Component:
    return ComponentFactory(
        module=module, kind=Component.Kind.RESOURCE, resource=ResourceFactory(), body="", **kwargs
    )


def quiz(
    module: Module,
    *,
    questions: list[tuple[str, list[tuple[str, bool]]]] | None = None,
    pass_mark: int = 50,
    **kwargs,
) -> Component:
    """A quiz; each question is (text, [(choice text, correct), ...]); several correct choices
    make it a multiple-choice question."""
    component = ComponentFactory(
        module=module, kind=Component.Kind.QUIZ, pass_mark=pass_mark, body="", **kwargs
    )
    questions = questions or [
        ("Which term does the field use?", [("CSAM", True), ("Other", False)]),
        ("Which help a survivor?", [("Choice", True), ("Control", True), ("Pressure", False)]),
    ]
    for i, (text, choices) in enumerate(questions, start=1):
        correct = sum(ok for _, ok in choices)
        question = Question.objects.create(
            component=component,
            slug=f"q{i}",
            position=i,
            kind=Question.Kind.MULTIPLE if correct > 1 else Question.Kind.SINGLE,
            text=text,
            explanation=f"Why: {text}",
        )
        for j, (choice_text, ok) in enumerate(choices, start=1):
            Choice.objects.create(question=question, position=j, text=choice_text, is_correct=ok)
    return component


def survey(module: Module, *, anonymous: bool = False, **kwargs) -> Component:
    """A survey with an agreement scale, a choice, and an optional free-text question."""
    component = ComponentFactory(
        module=module, kind=Component.Kind.SURVEY, anonymous=anonymous, body="", **kwargs
    )
    Question.objects.create(
        component=component, slug="useful", position=1, kind=Question.Kind.LIKERT,
        text="The module was useful.",
    )  # fmt: skip
    role = Question.objects.create(
        component=component, slug="role", position=2, kind=Question.Kind.SINGLE, text="Your role"
    )
    for j, text in enumerate(["Patrol", "Investigations"], start=1):
        Choice.objects.create(question=role, position=j, text=text)
    Question.objects.create(
        component=component, slug="comments", position=3, kind=Question.Kind.TEXT,
        text="Anything else?", required=False,
    )  # fmt: skip
    return component
