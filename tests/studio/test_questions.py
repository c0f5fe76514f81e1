"""The studio's question editor: adding, editing, ordering and removing the questions of quizzes
and surveys; the rules on kinds and choices; learners' answers kept; who may open it."""

from __future__ import annotations

from collections.abc import Sequence

import pytest
from django.utils.html import escape

from courses import content as qs
from courses import content as services
from courses import quizzes
from courses import services as course_services
from courses.models import Choice, Component, Progress, Question, QuizAnswer, QuizAttempt
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _mfa_off(settings):
    settings.LMS_REQUIRE_MFA = False


@pytest.fixture
def author_client(client):
    client.force_login(factories.author(email="question.author@example.org"))
    return client


@pytest.fixture
def module(series):
    return series.modules.get(slug="understanding")


@pytest.fixture
def quiz(module):
    """An empty quiz, made as the studio makes it."""
    return services.component_create(
        module=module,
        kind=Component.Kind.QUIZ,
        title="Check your understanding",
        pass_mark=50,
        required=False,
    )


@pytest.fixture
def survey(module):
    return services.component_create(
        module=module, kind=Component.Kind.SURVEY, title="Your feedback", required=False
    )


@pytest.fixture
def enrolled(learner, series):
    course_services.enrollment_create(user=learner, series=series)
    return learner


def _data(fields: dict, rows: Sequence[dict] = (), *, initial: int = 0) -> dict:
    """The POST of the question form: question fields and choice rows (True ticks a box)."""
    data = {
        "choices-TOTAL_FORMS": str(len(rows)),
        "choices-INITIAL_FORMS": str(initial),
        "choices-MIN_NUM_FORMS": "0",
        "choices-MAX_NUM_FORMS": "1000",
    }
    items = [*fields.items()]
    items += [
        (f"choices-{i}-{key}", value) for i, row in enumerate(rows) for key, value in row.items()
    ]
    for key, value in items:
        if value is True:
            data[key] = "on"
        elif value is not False and value is not None:
            data[key] = str(value)
    return data


def _rows(question: Question) -> list[dict]:
    """The question's choices as the edit form shows them."""
    return [
        {"id": c.pk, "text": c.text, "is_correct": c.is_correct}
        for c in question.choices.order_by("position")
    ]


def _edit(question: Question, rows: list[dict], **fields) -> dict:
    values = {"kind": question.kind, "text": question.text, "slug": ""}
    values.update(explanation=question.explanation, required=question.required)
    values.update(fields)
    return _data(values, rows, initial=question.choices.count())


def _snapshot() -> list:
    """Every question and choice, as stored."""
    return [
        list(Question.objects.order_by("pk").values_list()),
        list(Choice.objects.order_by("pk").values_list()),
    ]


def _choices(question: Question) -> list[tuple[int, str, bool]]:
    return list(question.choices.order_by("position").values_list("position", "text", "is_correct"))


def _add(component: Component, kind: str, text: str, choices=(), **fields) -> Question:
    return qs.question_create(
        component=component,
        kind=kind,
        text=text,
        choices=[qs.ChoiceInput(text=t, is_correct=ok) for t, ok in choices],
        **fields,
    )


def _three(quiz: Component) -> list[Question]:
    return [
        _add(quiz, "single", f"Question {n}", [(f"Right {n}", True), (f"Wrong {n}", False)])
        for n in (1, 2, 3)
    ]


def _order(component: Component) -> list[tuple[str, int]]:
    return list(component.questions.order_by("position").values_list("text", "position"))


def _take_quiz(user, quiz: Component, picks: dict[str, list[str]]) -> QuizAttempt:
    """The learner answers each question (by key) with the choices of these texts."""
    attempt = quizzes.quiz_attempt_start(user=user, component=quiz)
    answers = {
        q.pk: [c.pk for c in q.choices.all() if c.text in picks[q.slug]]
        for q in quiz.questions.prefetch_related("choices")
    }
    return quizzes.quiz_attempt_submit(user=user, attempt_id=attempt.pk, answers=answers)


# --- Adding questions -------------------------------------------------------------------------


def test_author_adds_a_single_choice_quiz_question_with_a_key_made_from_its_text(
    author_client, quiz
):
    """One correct choice of two: saved at position 1, key from the text, back to the list."""
    response = author_client.post(
        f"/studio/components/{quiz.pk}/questions/new/",
        _data(
            {"kind": "single", "text": "Which term does the field use?", "explanation": "CSAM."},
            [{"text": "CSAM", "is_correct": True}, {"text": "Child pornography"}, {}, {}],
        ),
    )
    question = Question.objects.get()
    assert response["Location"] == f"/studio/components/{quiz.pk}/questions/#question-{question.pk}"
    assert (question.kind, question.position, question.slug) == (
        "single",
        1,
        "which-term-does-the-field-use",
    )
    assert (question.explanation, question.required) == ("CSAM.", True)
    assert _choices(question) == [(1, "CSAM", True), (2, "Child pornography", False)]
    page = author_client.get(response["Location"])
    assert "Which term does the field use?" in page.content.decode()


def test_author_adds_a_multiple_choice_quiz_question_after_the_others(author_client, quiz):
    """Several correct choices; the new question goes at the end."""
    _add(quiz, "single", "First", [("Yes", True), ("No", False)])
    author_client.post(
        f"/studio/components/{quiz.pk}/questions/new/",
        _data(
            {"kind": "multiple", "text": "Which help a survivor?"},
            [
                {"text": "Choice", "is_correct": True},
                {"text": "Control", "is_correct": True},
                {"text": "Pressure"},
            ],
        ),
    )
    question = quiz.questions.get(position=2)
    assert question.kind == "multiple"
    assert _choices(question) == [(1, "Choice", True), (2, "Control", True), (3, "Pressure", False)]


def test_author_adds_scale_text_and_choice_questions_to_a_survey(author_client, survey):
    """Scale and text questions keep no choices (empty rows ignored); survey choices are not
    right or wrong, and a survey question may be optional."""
    url = f"/studio/components/{survey.pk}/questions/new/"
    form = author_client.get(url).context["form"]
    assert [k for k, _ in form.fields["kind"].choices] == ["single", "multiple", "likert", "text"]
    assert "explanation" not in form.fields
    author_client.post(url, _data({"kind": "likert", "text": "It was useful.", "required": True}))
    author_client.post(url, _data({"kind": "text", "text": "Anything else?"}, [{}, {}]))
    author_client.post(
        url,
        _data(
            {"kind": "multiple", "text": "Your roles", "required": True},
            [{"text": "Patrol"}, {"text": "Investigations"}, {}],
        ),
    )
    assert list(survey.questions.values_list("position", "kind", "required")) == [
        (1, "likert", True),
        (2, "text", False),
        (3, "multiple", True),
    ]
    assert Choice.objects.filter(question__kind__in=["likert", "text"]).count() == 0
    assert _choices(survey.questions.get(position=3)) == [
        (1, "Patrol", False),
        (2, "Investigations", False),
    ]


def test_a_quiz_offers_only_choice_questions_and_no_optional_ones(author_client, quiz):
    form = author_client.get(f"/studio/components/{quiz.pk}/questions/new/").context["form"]
    assert [k for k, _ in form.fields["kind"].choices] == ["single", "multiple"]
    assert form["kind"].value() == "single"
    assert "required" not in form.fields and "explanation" in form.fields


def test_add_then_add_another_comes_back_to_a_blank_form(author_client, quiz):
    response = author_client.post(
        f"/studio/components/{quiz.pk}/questions/new/",
        _data(
            {"kind": "single", "text": "First", "another": "1"},
            [{"text": "Yes", "is_correct": True}, {"text": "No"}],
        ),
    )
    assert response["Location"] == f"/studio/components/{quiz.pk}/questions/new/"
    assert quiz.questions.count() == 1


def test_the_questions_page_lists_questions_in_order_with_the_correct_choices_marked(
    author_client, module
):
    quiz = factories.quiz(module, position=9)
    body = author_client.get(f"/studio/components/{quiz.pk}/questions/").content.decode()
    first, second = "Which term does the field use?", "Which help a survivor?"
    assert body.index(first) < body.index(second)
    assert body.count('badge text-bg-success">correct') == 3  # CSAM; Choice and Control
    for text in ("Other", "Pressure", "/move/", "/edit/", "/delete/", "/questions/new/"):
        assert text in body


def test_the_survey_page_shows_scale_and_text_questions_without_correct_marks(
    author_client, module
):
    survey = factories.survey(module, position=9)
    body = author_client.get(f"/studio/components/{survey.pk}/questions/").content.decode()
    assert "Strongly disagree" in body and "own words" in body and "optional" in body
    assert "Patrol" in body and ">correct<" not in body


# --- Editing ----------------------------------------------------------------------------------


def test_author_edits_the_wording_the_choices_and_the_correct_answer(author_client, module):
    """An empty key keeps the question's key; a new row is added at the end."""
    quiz = factories.quiz(module, position=9)
    question = quiz.questions.get(slug="q1")
    csam, other = _rows(question)
    response = author_client.post(
        f"/studio/questions/{question.pk}/edit/",
        _edit(
            question,
            [
                {**csam, "text": "Child sexual abuse material", "is_correct": False},
                {**other, "text": "Child pornography", "is_correct": True},
                {"text": "Neither"},
                {},
            ],
            text="Which term is wrong?",
            explanation="Abuse is not pornography.",
        ),
    )
    assert response["Location"] == f"/studio/components/{quiz.pk}/questions/#question-{question.pk}"
    question.refresh_from_db()
    assert (question.text, question.slug, question.position) == ("Which term is wrong?", "q1", 1)
    assert question.explanation == "Abuse is not pornography."
    assert _choices(question) == [
        (1, "Child sexual abuse material", False),
        (2, "Child pornography", True),
        (3, "Neither", False),
    ]
    assert Choice.objects.filter(pk=csam["id"], text="Child sexual abuse material").exists()


def test_removing_and_adding_choices_keeps_their_positions_gap_free(author_client, module):
    quiz = factories.quiz(module, position=9)
    question = quiz.questions.get(slug="q2")
    choice, control, pressure = _rows(question)
    author_client.post(
        f"/studio/questions/{question.pk}/edit/",
        _edit(question, [choice, {**control, "DELETE": True}, pressure, {"text": "Patience"}]),
    )
    assert _choices(question) == [
        (1, "Choice", True),
        (2, "Pressure", False),
        (3, "Patience", False),
    ]
    assert not Choice.objects.filter(pk=control["id"]).exists()


def test_a_survey_question_can_become_a_free_text_question_once_its_choices_go(
    author_client, module
):
    survey = factories.survey(module, position=9)
    role = survey.questions.get(slug="role")
    rows = [{**row, "DELETE": True} for row in _rows(role)]
    author_client.post(f"/studio/questions/{role.pk}/edit/", _edit(role, rows, kind="text"))
    role.refresh_from_db()
    assert role.kind == "text" and not role.choices.exists()


def test_a_key_given_by_the_author_is_kept_and_unique_within_the_component(
    author_client, quiz, survey
):
    url = f"/studio/components/{quiz.pk}/questions/new/"
    rows = [{"text": "Yes", "is_correct": True}, {"text": "No"}]
    author_client.post(url, _data({"kind": "single", "text": "First", "slug": "terms"}, rows))
    assert quiz.questions.get().slug == "terms"
    # Text that slugifies to a taken key gets another one.
    author_client.post(url, _data({"kind": "single", "text": "Terms"}, rows))
    assert quiz.questions.get(position=2).slug == "terms-2"
    # The same key in another component is fine.
    _add(survey, "text", "Anything else?", slug="terms")

    before = _snapshot()
    response = author_client.post(
        url, _data({"kind": "single", "text": "Third", "slug": "terms"}, rows)
    )
    assert response.status_code == 200
    assert "has the key “terms”" in response.content.decode()
    second = quiz.questions.get(position=2)
    response = author_client.post(
        f"/studio/questions/{second.pk}/edit/", _edit(second, _rows(second), slug="terms")
    )
    assert response.status_code == 200 and "has the key" in response.content.decode()
    assert _snapshot() == before


# --- Refusals ---------------------------------------------------------------------------------

YES, NO, EMPTY = {"text": "Yes", "is_correct": True}, {"text": "No"}, {}
NEW_REFUSALS = [
    # (component, question fields, choice rows, message shown)
    ("quiz", {"kind": "single"}, [YES, EMPTY, EMPTY], "at least two choices"),
    ("quiz", {"kind": "single"}, [YES, {**NO, "is_correct": True}], "exactly one correct choice"),
    ("quiz", {"kind": "single"}, [{"text": "Yes"}, NO], "exactly one correct choice"),
    ("quiz", {"kind": "multiple"}, [{"text": "Yes"}, NO], "at least one correct choice"),
    ("quiz", {"kind": "single"}, [YES, NO, {"text": " yes "}], "Two choices read “yes”"),
    ("quiz", {"kind": "likert"}, [], "Select a valid choice"),
    ("quiz", {"kind": "single"}, [YES, NO, {"is_correct": True}], "Write the answer, or tick"),
    ("quiz", {"kind": "single", "text": ""}, [YES, NO], "This field is required"),
    ("survey", {"kind": "single"}, [{"text": "Yes"}, EMPTY], "at least two choices"),
    ("survey", {"kind": "likert"}, [{"text": "Agree"}], "offers no choices"),
    ("survey", {"kind": "text"}, [{"text": "Yes"}, NO], "offers no choices"),
]


@pytest.mark.parametrize(("kind", "fields", "rows", "message"), NEW_REFUSALS)
def test_a_refused_new_question_saves_nothing_and_keeps_the_input(
    author_client, quiz, survey, kind, fields, rows, message
):
    component = quiz if kind == "quiz" else survey
    _add(component, "single", "Already there", [("A", kind == "quiz"), ("B", False)])
    before = _snapshot()
    fields = {"text": "Kept question", "explanation": "Kept explanation", **fields}
    response = author_client.post(
        f"/studio/components/{component.pk}/questions/new/", _data(fields, rows)
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert escape(message) in body or message in body
    assert _snapshot() == before
    if fields["text"]:
        assert "Kept question" in body
    for row in rows:
        if row.get("text"):
            assert f'value="{escape(row["text"])}"' in body


EDIT_REFUSALS = [
    # (the rows from the stored ones [right, wrong], other fields, message shown)
    (lambda r, w: [{**r, "is_correct": False}, w], {}, "exactly one correct choice"),
    (lambda r, w: [r, {**w, "is_correct": True}], {}, "exactly one correct choice"),
    (lambda r, w: [r, {**w, "DELETE": True}], {}, "at least two choices"),
    (lambda r, w: [r, {**w, "text": ""}], {}, "Write the answer, or tick"),
    (lambda r, w: [r, w], {"kind": "likert"}, "Select a valid choice"),
    (lambda r, w: [r, {**w, "text": "Right"}], {}, "Two choices read"),
]


@pytest.mark.parametrize(("rows", "fields", "message"), EDIT_REFUSALS)
def test_a_refused_edit_saves_nothing_and_keeps_the_input(
    author_client, quiz, rows, fields, message
):
    question = _add(quiz, "single", "Stored wording", [("Right", True), ("Wrong", False)])
    before = _snapshot()
    data = _edit(question, rows(*_rows(question)), text="New wording", **fields)
    response = author_client.post(f"/studio/questions/{question.pk}/edit/", data)
    assert response.status_code == 200
    body = response.content.decode()
    assert escape(message) in body or message in body
    assert "New wording" in body
    assert _snapshot() == before


def test_the_services_refuse_what_the_forms_cannot_send(quiz, survey):
    """Survey choices marked correct, a kind the component cannot ask, a new question naming
    existing choices: refused, nothing saved."""
    question = _add(quiz, "single", "Which?", [("This", True), ("That", False)])
    before = _snapshot()
    with pytest.raises(qs.QuestionRefused, match="neither right nor wrong"):
        _add(survey, "single", "Role?", [("Patrol", True), ("Investigations", False)])
    with pytest.raises(qs.QuestionRefused, match="quiz asks single- or multiple-choice"):
        _add(quiz, "text", "Why?")
    with pytest.raises(qs.QuestionRefused, match="only new choices"):
        qs.question_create(
            component=quiz,
            kind="single",
            text="Copy",
            choices=[qs.ChoiceInput(text=c.text, pk=c.pk) for c in question.choices.all()],
        )
    assert _snapshot() == before


# --- Order ------------------------------------------------------------------------------------


def test_author_moves_questions_up_and_down(author_client, quiz):
    """Moves swap neighbours; at either end, or with no direction, nothing changes."""
    first, second, third = _three(quiz)
    response = author_client.post(f"/studio/questions/{third.pk}/move/", {"direction": "up"})
    assert response["Location"] == f"/studio/components/{quiz.pk}/questions/#question-{third.pk}"
    assert _order(quiz) == [("Question 1", 1), ("Question 3", 2), ("Question 2", 3)]
    author_client.post(f"/studio/questions/{first.pk}/move/", {"direction": "down"})
    assert _order(quiz) == [("Question 3", 1), ("Question 1", 2), ("Question 2", 3)]
    for question, direction in [(third, "up"), (second, "down"), (first, "sideways")]:
        author_client.post(f"/studio/questions/{question.pk}/move/", {"direction": direction})
    assert _order(quiz) == [("Question 3", 1), ("Question 1", 2), ("Question 2", 3)]
    assert author_client.get(f"/studio/questions/{first.pk}/move/").status_code == 405


# --- Removal ----------------------------------------------------------------------------------


def test_author_removes_an_unanswered_question_and_the_rest_close_up(author_client, quiz):
    first, second, _third = _three(quiz)
    page = author_client.get(f"/studio/questions/{second.pk}/delete/")
    assert page.status_code == 200 and "will be deleted" in page.content.decode()
    response = author_client.post(f"/studio/questions/{second.pk}/delete/")
    assert response["Location"] == f"/studio/components/{quiz.pk}/questions/"
    assert _order(quiz) == [("Question 1", 1), ("Question 3", 2)]
    assert not Choice.objects.filter(question_id=second.pk).exists()
    author_client.post(f"/studio/questions/{first.pk}/delete/")
    assert _order(quiz) == [("Question 3", 1)]


def test_a_quiz_question_learners_answered_cannot_be_removed(author_client, enrolled, module):
    quiz = factories.quiz(module, position=9)
    _take_quiz(enrolled, quiz, {"q1": ["Other"], "q2": ["Choice"]})
    question = quiz.questions.get(slug="q1")
    page = author_client.get(f"/studio/questions/{question.pk}/delete/").content.decode()
    assert escape(str(qs.ANSWERED)) in page and "Delete it" not in page
    before = _snapshot()
    response = author_client.post(f"/studio/questions/{question.pk}/delete/", follow=True)
    assert response.redirect_chain == [
        (f"/studio/components/{quiz.pk}/questions/#question-{question.pk}", 302)
    ]
    assert escape(str(qs.ANSWERED)) in response.content.decode()
    assert _snapshot() == before
    with pytest.raises(qs.QuestionRefused, match="Learners have answered this question"):
        qs.question_remove(question=question)


def test_a_survey_question_learners_answered_cannot_be_removed(author_client, enrolled, module):
    survey = factories.survey(module, position=9)
    questions = {q.slug: q for q in survey.questions.prefetch_related("choices")}
    quizzes.survey_submit(
        user=enrolled,
        component=survey,
        answers={
            questions["useful"].pk: "4",
            questions["role"].pk: [questions["role"].choices.first().pk],
            questions["comments"].pk: "Thanks",
        },
    )
    before = _snapshot()
    for question in questions.values():
        author_client.post(f"/studio/questions/{question.pk}/delete/")
    assert _snapshot() == before


def test_a_choice_learners_picked_cannot_be_removed_and_is_named(author_client, enrolled, module):
    """Both answers of the multiple-choice question stay; the one nobody picked can go."""
    quiz = factories.quiz(module, position=9)
    _take_quiz(enrolled, quiz, {"q1": ["CSAM"], "q2": ["Choice", "Control"]})
    question = quiz.questions.get(slug="q2")
    edit = f"/studio/questions/{question.pk}/edit/"
    page = author_client.get(edit).content.decode()
    assert page.count("picked by learners") == 2

    choice, control, pressure = _rows(question)
    before = _snapshot()
    response = author_client.post(
        edit, _edit(question, [choice, {**control, "DELETE": True}, pressure])
    )
    assert response.status_code == 200
    assert escape("“Control” cannot be removed: learners picked it") in response.content.decode()
    assert _snapshot() == before

    author_client.post(edit, _edit(question, [choice, control, {**pressure, "DELETE": True}]))
    assert _choices(question) == [(1, "Choice", True), (2, "Control", True)]


def test_an_answered_question_keeps_its_kind(author_client, enrolled, module):
    """The form no longer offers to change it, and the service refuses."""
    survey = factories.survey(module, position=9)
    role = survey.questions.get(slug="role")
    quizzes.survey_submit(
        user=enrolled,
        component=survey,
        answers={survey.questions.get(slug="useful").pk: "4", role.pk: [role.choices.first().pk]},
    )
    author_client.post(
        f"/studio/questions/{role.pk}/edit/", _edit(role, _rows(role), kind="multiple", text="Role")
    )
    role.refresh_from_db()
    assert (role.kind, role.text) == ("single", "Role")
    with pytest.raises(qs.QuestionRefused, match="its kind cannot change"):
        qs.question_update(
            question=role,
            kind="multiple",
            text="Role",
            choices=[qs.ChoiceInput(text=c.text, pk=c.pk) for c in role.choices.all()],
        )


def test_editing_a_quiz_does_not_change_attempts_already_scored(author_client, enrolled, module):
    """The correct answer changes and a question is added: the passed attempt keeps its score,
    its answers stay marked as they were, and the quiz stays completed."""
    quiz = factories.quiz(module, position=9)
    attempt = _take_quiz(enrolled, quiz, {"q1": ["CSAM"], "q2": ["Choice", "Control"]})
    assert (attempt.score, attempt.passed) == (100, True)
    question = quiz.questions.get(slug="q1")
    csam, other = _rows(question)
    author_client.post(
        f"/studio/questions/{question.pk}/edit/",
        _edit(question, [{**csam, "is_correct": False}, {**other, "is_correct": True}]),
    )
    assert _choices(question)[1] == (2, "Other", True)
    _add(quiz, "single", "A new question", [("Yes", True), ("No", False)])

    attempt.refresh_from_db()
    assert (attempt.score, attempt.passed) == (100, True)
    assert set(QuizAnswer.objects.filter(attempt=attempt).values_list("correct", flat=True)) == {
        True
    }
    assert Progress.objects.get(component=quiz).state == Progress.State.COMPLETED


# --- Who may open it --------------------------------------------------------------------------


def _urls(quiz: Component) -> list[tuple[str, str]]:
    question = _add(quiz, "single", "Which?", [("This", True), ("That", False)])
    return [
        ("get", f"/studio/components/{quiz.pk}/questions/"),
        ("get", f"/studio/components/{quiz.pk}/questions/new/"),
        ("post", f"/studio/components/{quiz.pk}/questions/new/"),
        ("get", f"/studio/questions/{question.pk}/edit/"),
        ("post", f"/studio/questions/{question.pk}/edit/"),
        ("get", f"/studio/questions/{question.pk}/delete/"),
        ("post", f"/studio/questions/{question.pk}/delete/"),
        ("post", f"/studio/questions/{question.pk}/move/"),
    ]


def test_learners_and_supervisors_are_refused_every_question_page(client, learner, agency, quiz):
    urls = _urls(quiz)
    post = _data({"kind": "single", "text": "Sneaky"}, [YES, NO])
    before = _snapshot()
    for user in (learner, factories.supervisor_of(agency)):
        client.force_login(user)
        for method, url in urls:
            response = getattr(client, method)(url, post if method == "post" else None)
            assert response.status_code == 403, (user, method, url)
    assert _snapshot() == before


def test_anonymous_users_are_sent_to_sign_in(client, quiz):
    urls = _urls(quiz)
    before = _snapshot()
    for method, url in urls:
        response = getattr(client, method)(url)
        assert response.status_code == 302
        assert response["Location"] == f"/accounts/login/?next={url}"
    assert _snapshot() == before


def test_with_mfa_required_an_author_without_it_is_sent_to_set_it_up(author_client, quiz, settings):
    settings.LMS_REQUIRE_MFA = True
    response = author_client.get(f"/studio/components/{quiz.pk}/questions/")
    assert (response.status_code, response["Location"]) == (302, "/accounts/2fa/")


def test_components_without_questions_and_unknown_ids_are_404(author_client, module, quiz):
    reading = module.components.get(slug="reading")
    missing = Component.objects.order_by("-pk").first().pk + 100
    for component_id in (reading.pk, missing):
        assert author_client.get(f"/studio/components/{component_id}/questions/").status_code == 404
        new = f"/studio/components/{component_id}/questions/new/"
        assert author_client.get(new).status_code == 404
        assert author_client.post(new, _data({"kind": "text", "text": "Why?"})).status_code == 404
    assert not Question.objects.exists()
    for action in ("edit", "delete"):
        assert author_client.get(f"/studio/questions/999999/{action}/").status_code == 404
    assert author_client.post("/studio/questions/999999/move/").status_code == 404


def test_an_archived_quizs_questions_are_404(author_client, enrolled, module):
    """A quiz learners took is archived when removed: its questions are no longer edited."""
    quiz = factories.quiz(module, position=9)
    quizzes.quiz_attempt_start(user=enrolled, component=quiz)
    assert services.component_remove(component=quiz) == "archived"
    question = quiz.questions.first()
    assert author_client.get(f"/studio/components/{quiz.pk}/questions/").status_code == 404
    assert author_client.get(f"/studio/questions/{question.pk}/edit/").status_code == 404
    assert author_client.post(f"/studio/questions/{question.pk}/delete/").status_code == 404
    assert Question.objects.filter(pk=question.pk).exists()


# --- From the studio to the learner -----------------------------------------------------------


def test_a_quiz_authored_in_the_studio_is_passed_by_a_learner(author_client, enrolled, module):
    """The author makes a quiz and its questions through the pages; the learner fails once, then
    passes, through courses.quizzes, and the quiz is completed."""
    response = author_client.post(
        f"/studio/modules/{module.pk}/components/new/",
        {"kind": "quiz", "title": "Check", "pass_mark": 100, "max_attempts": 0},
    )
    quiz = Component.objects.get(kind="quiz")
    new = f"/studio/components/{quiz.pk}/questions/new/"
    assert response["Location"] == f"/studio/components/{quiz.pk}/questions/"
    author_client.post(
        new,
        _data(
            {"kind": "single", "text": "Which term does the field use?"},
            [{"text": "CSAM", "is_correct": True}, {"text": "Child pornography"}, {}, {}],
        ),
    )
    author_client.post(
        new,
        _data(
            {"kind": "multiple", "text": "Which help a survivor?"},
            [
                {"text": "Choice", "is_correct": True},
                {"text": "Control", "is_correct": True},
                {"text": "Pressure"},
                {},
            ],
        ),
    )
    assert quiz.questions.count() == 2
    services.component_update(component=quiz, required=True)  # the edit page's tick box
    slugs = dict(quiz.questions.values_list("text", "slug"))
    single, multiple = slugs["Which term does the field use?"], slugs["Which help a survivor?"]

    failed = _take_quiz(enrolled, quiz, {single: ["CSAM"], multiple: ["Choice"]})
    assert (failed.score, failed.passed) == (50, False)
    passed = _take_quiz(enrolled, quiz, {single: ["CSAM"], multiple: ["Choice", "Control"]})
    assert (passed.score, passed.passed, passed.number) == (100, True, 2)
    assert Progress.objects.get(component=quiz).state == Progress.State.COMPLETED
