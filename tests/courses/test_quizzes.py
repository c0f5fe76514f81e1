"""Quizzes and surveys: attempts, the scoring rule, limits, anonymity and the completion earned."""

import random

import pytest

from courses import quizzes
from courses import services as course_services
from courses.models import (
    Component,
    ModuleCompletion,
    Progress,
    Question,
    QuizAnswer,
    QuizAttempt,
    SurveyAnswer,
    SurveyResponse,
)
from courses.services import ProgressRefused
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def module(series):
    return series.modules.get(slug="understanding")


@pytest.fixture
def enrolled(learner, series):
    course_services.enrollment_create(user=learner, series=series)
    return learner


def _key(component):
    """Question id → its correct choice ids, and a wrong choice id for each."""
    right, wrong = {}, {}
    for question in component.questions.prefetch_related("choices"):
        right[question.pk] = [c.pk for c in question.choices.all() if c.is_correct]
        wrong[question.pk] = [next(c.pk for c in question.choices.all() if not c.is_correct)]
    return right, wrong


def test_a_quiz_passed_completes_the_component_and_stores_every_answer(enrolled, module):
    """All right: 100%, passed, each answer stored as correct, progress completed."""
    quiz = factories.quiz(module, position=9)
    right, _ = _key(quiz)
    attempt = quizzes.quiz_attempt_start(user=enrolled, component=quiz)
    attempt = quizzes.quiz_attempt_submit(user=enrolled, attempt_id=attempt.pk, answers=right)
    assert (attempt.score, attempt.passed, attempt.number) == (100, True, 1)
    assert QuizAnswer.objects.filter(attempt=attempt, correct=True).count() == 2
    progress = Progress.objects.get(component=quiz)
    assert progress.state == Progress.State.COMPLETED and progress.completed_at is not None


def test_multiple_choice_has_no_partial_credit(enrolled, module):
    """One of two right choices is wrong: 50%, and below a 60% pass mark nothing completes."""
    quiz = factories.quiz(module, position=9, pass_mark=60)
    right, _ = _key(quiz)
    multiple = quiz.questions.get(kind=Question.Kind.MULTIPLE)
    answers = {**right, multiple.pk: right[multiple.pk][:1]}
    attempt = quizzes.quiz_attempt_start(user=enrolled, component=quiz)
    attempt = quizzes.quiz_attempt_submit(user=enrolled, attempt_id=attempt.pk, answers=answers)
    assert (attempt.score, attempt.passed) == (50, False)
    assert QuizAnswer.objects.get(attempt=attempt, question=multiple).correct is False
    progress = Progress.objects.get(component=quiz)
    assert progress.state == Progress.State.IN_PROGRESS and progress.percent == 50


def test_the_score_rounds_down_so_nobody_passes_on_rounding(enrolled, module):
    """2 of 3 right is 66%, not 67%: a 67% pass mark is not reached."""
    quiz = factories.quiz(
        module,
        position=9,
        pass_mark=67,
        questions=[(f"Q{i}", [("right", True), ("wrong", False)]) for i in range(3)],
    )
    right, wrong = _key(quiz)
    first = sorted(right)[0]
    attempt = quizzes.quiz_attempt_start(user=enrolled, component=quiz)
    attempt = quizzes.quiz_attempt_submit(
        user=enrolled, attempt_id=attempt.pk, answers={**right, first: wrong[first]}
    )
    assert (attempt.score, attempt.passed) == (66, False)


def test_pass_mark_reached_exactly_passes(enrolled, module):
    """At the pass mark is a pass."""
    quiz = factories.quiz(module, position=9, pass_mark=50)
    right, wrong = _key(quiz)
    first = sorted(right)[0]
    attempt = quizzes.quiz_attempt_start(user=enrolled, component=quiz)
    attempt = quizzes.quiz_attempt_submit(
        user=enrolled, attempt_id=attempt.pk, answers={**right, first: wrong[first]}
    )
    assert (attempt.score, attempt.passed) == (50, True)


def test_attempts_are_limited_and_each_is_kept(enrolled, module):
    """Two attempts allowed: two failures, then the third is refused; both stay on record."""
    quiz = factories.quiz(module, position=9, max_attempts=2)
    _, wrong = _key(quiz)
    for number in (1, 2):
        attempt = quizzes.quiz_attempt_start(user=enrolled, component=quiz)
        assert attempt.number == number
        quizzes.quiz_attempt_submit(user=enrolled, attempt_id=attempt.pk, answers=wrong)
    with pytest.raises(ProgressRefused, match="every attempt"):
        quizzes.quiz_attempt_start(user=enrolled, component=quiz)
    assert list(QuizAttempt.objects.values_list("number", "score")) == [(1, 0), (2, 0)]


def test_unlimited_attempts_and_no_attempt_after_a_pass(enrolled, module):
    """0 means unlimited; once passed, no new attempt opens."""
    quiz = factories.quiz(module, position=9, max_attempts=0)
    right, wrong = _key(quiz)
    for _ in range(5):
        attempt = quizzes.quiz_attempt_start(user=enrolled, component=quiz)
        quizzes.quiz_attempt_submit(user=enrolled, attempt_id=attempt.pk, answers=wrong)
    attempt = quizzes.quiz_attempt_start(user=enrolled, component=quiz)
    quizzes.quiz_attempt_submit(user=enrolled, attempt_id=attempt.pk, answers=right)
    with pytest.raises(ProgressRefused, match="passed"):
        quizzes.quiz_attempt_start(user=enrolled, component=quiz)


def test_starting_twice_returns_the_open_attempt(enrolled, module):
    """A second click does not use up another attempt."""
    quiz = factories.quiz(module, position=9, max_attempts=1)
    first = quizzes.quiz_attempt_start(user=enrolled, component=quiz)
    assert quizzes.quiz_attempt_start(user=enrolled, component=quiz).pk == first.pk


def test_an_attempt_is_scored_once(enrolled, module):
    """Submitting the same attempt again is refused and changes nothing."""
    quiz = factories.quiz(module, position=9)
    right, wrong = _key(quiz)
    attempt = quizzes.quiz_attempt_start(user=enrolled, component=quiz)
    quizzes.quiz_attempt_submit(user=enrolled, attempt_id=attempt.pk, answers=wrong)
    with pytest.raises(ProgressRefused, match="submitted already"):
        quizzes.quiz_attempt_submit(user=enrolled, attempt_id=attempt.pk, answers=right)
    attempt.refresh_from_db()
    assert attempt.score == 0


def test_unanswered_or_foreign_answers_are_refused_and_nothing_is_stored(enrolled, module):
    """A missing answer, a choice of another question, two picks on single choice: refused."""
    quiz = factories.quiz(module, position=9)
    right, _ = _key(quiz)
    single = quiz.questions.get(kind=Question.Kind.SINGLE)
    multiple = quiz.questions.get(kind=Question.Kind.MULTIPLE)
    attempt = quizzes.quiz_attempt_start(user=enrolled, component=quiz)
    bad = [
        {single.pk: right[single.pk]},  # multiple unanswered
        {**right, single.pk: right[multiple.pk][:1]},  # another question's choice
        {**right, single.pk: [*right[single.pk], "nonsense"]},
        {**right, single.pk: [c.pk for c in single.choices.all()]},  # two on single choice
    ]
    for answers in bad:
        with pytest.raises(quizzes.AnswerRefused) as refused:
            quizzes.quiz_attempt_submit(user=enrolled, attempt_id=attempt.pk, answers=answers)
        assert refused.value.errors
    attempt.refresh_from_db()
    assert attempt.submitted_at is None and not QuizAnswer.objects.exists()


def test_another_learners_attempt_cannot_be_submitted(enrolled, module, agency, series):
    """The attempt id of someone else is refused as not yours."""
    quiz = factories.quiz(module, position=9)
    right, _ = _key(quiz)
    attempt = quizzes.quiz_attempt_start(user=enrolled, component=quiz)
    intruder = factories.learner_of(agency)
    course_services.enrollment_create(user=intruder, series=series)
    with pytest.raises(ProgressRefused, match="not yours"):
        quizzes.quiz_attempt_submit(user=intruder, attempt_id=attempt.pk, answers=right)


def test_shuffled_attempts_store_the_order_shown(enrolled, module):
    """With shuffle on, questions and choices come in a new order, kept on the attempt."""
    quiz = factories.quiz(
        module,
        position=9,
        shuffle=True,
        max_attempts=0,
        questions=[(f"Q{i}", [(f"c{j}", j == 0) for j in range(4)]) for i in range(6)],
    )
    natural = [[q.pk, [c.pk for c in q.choices.all()]] for q in quiz.questions.order_by("position")]
    attempt = quizzes.quiz_attempt_start(user=enrolled, component=quiz, rng=random.Random(7))
    assert attempt.layout != natural
    assert sorted(q for q, _ in attempt.layout) == sorted(q for q, _ in natural)
    assert all(sorted(c) == sorted(dict(natural)[q]) for q, c in attempt.layout)


def test_unshuffled_attempts_keep_the_authors_order(enrolled, module):
    quiz = factories.quiz(module, position=9, shuffle=False)
    attempt = quizzes.quiz_attempt_start(user=enrolled, component=quiz)
    assert [q for q, _ in attempt.layout] == list(
        quiz.questions.order_by("position").values_list("pk", flat=True)
    )


def test_quiz_in_a_locked_module_is_refused(enrolled, series):
    """Prerequisites hold for quizzes as for everything else."""
    quiz = factories.quiz(series.modules.get(slug="first-contact"), position=9)
    with pytest.raises(ProgressRefused, match="builds on"):
        quizzes.quiz_attempt_start(user=enrolled, component=quiz)


def test_passing_the_last_required_quiz_completes_the_module(enrolled, module):
    """Module completion follows a pass like any other completion."""
    for component in module.components.exclude(kind=Component.Kind.QUIZ):
        Component.objects.filter(pk=component.pk).update(required=False)
    quiz = factories.quiz(module, position=9)
    right, _ = _key(quiz)
    attempt = quizzes.quiz_attempt_start(user=enrolled, component=quiz)
    quizzes.quiz_attempt_submit(user=enrolled, attempt_id=attempt.pk, answers=right)
    assert ModuleCompletion.objects.filter(module=module).exists()


def _survey_answers(component, **overrides):
    questions = {q.slug: q for q in component.questions.prefetch_related("choices")}
    answers = {
        questions["useful"].pk: "4",
        questions["role"].pk: [questions["role"].choices.first().pk],
        questions["comments"].pk: "Clear and calm.",
    }
    for slug, value in overrides.items():
        answers[questions[slug].pk] = value
    return answers


def test_a_survey_response_completes_the_component_once(enrolled, module):
    """Submitting records the answers and completes it; a second submission is refused."""
    survey = factories.survey(module, position=9)
    response = quizzes.survey_submit(
        user=enrolled, component=survey, answers=_survey_answers(survey)
    )
    assert response.enrollment is not None
    assert SurveyAnswer.objects.filter(response=response).count() == 3
    assert Progress.objects.get(component=survey).state == Progress.State.COMPLETED
    with pytest.raises(ProgressRefused, match="already"):
        quizzes.survey_submit(user=enrolled, component=survey, answers=_survey_answers(survey))
    assert SurveyResponse.objects.count() == 1


def test_an_anonymous_survey_keeps_no_link_to_the_learner(enrolled, module):
    """No enrollment and only the day on the response; completion still recorded."""
    survey = factories.survey(module, position=9, anonymous=True)
    response = quizzes.survey_submit(
        user=enrolled, component=survey, answers=_survey_answers(survey)
    )
    assert response.enrollment is None
    assert not hasattr(response, "submitted_at")
    assert Progress.objects.get(component=survey).state == Progress.State.COMPLETED
    with pytest.raises(ProgressRefused, match="already"):
        quizzes.survey_submit(user=enrolled, component=survey, answers=_survey_answers(survey))


@pytest.mark.parametrize(
    "overrides",
    [
        {"useful": ""},  # required scale unanswered
        {"useful": "6"},
        {"useful": "many"},
        {"role": []},
        {"role": ["999999"]},
        {"comments": "x" * 5001},
        # A NUL byte: PostgreSQL cannot store it (found by the fuzz there: a 500).
        {"comments": "Clear\x00and calm."},
        {"comments": "\x00"},
    ],
)
def test_bad_survey_answers_are_refused_and_nothing_is_stored(enrolled, module, overrides):
    survey = factories.survey(module, position=9)
    with pytest.raises(quizzes.AnswerRefused) as refused:
        quizzes.survey_submit(
            user=enrolled, component=survey, answers=_survey_answers(survey, **overrides)
        )
    assert len(refused.value.errors) == 1
    assert not SurveyResponse.objects.exists()
    assert not Progress.objects.filter(component=survey, state=Progress.State.COMPLETED).exists()


def test_an_optional_survey_question_may_be_left_empty(enrolled, module):
    survey = factories.survey(module, position=9)
    response = quizzes.survey_submit(
        user=enrolled, component=survey, answers=_survey_answers(survey, comments="  ")
    )
    assert SurveyAnswer.objects.filter(response=response).count() == 2
