"""The quiz and survey pages as a learner uses them: start, answer, see what was wrong."""

from urllib.parse import urlencode

import pytest

from courses import services as course_services
from courses.models import Progress, QuizAttempt, Series, SurveyResponse
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def module(series):
    return series.modules.get(slug="understanding")


@pytest.fixture
def quiz(module):
    return factories.quiz(module, slug="check", position=9, pass_mark=100, max_attempts=2)


@pytest.fixture
def learner_client(client, learner, series):
    course_services.enrollment_create(user=learner, series=series)
    client.force_login(learner)
    return client


def _url(component, action=""):
    return component.get_absolute_url() + action


def _right_answers(quiz):
    data = {}
    for question in quiz.questions.prefetch_related("choices"):
        data[f"q{question.pk}"] = [str(c.pk) for c in question.choices.all() if c.is_correct]
    return data


def test_learner_starts_fails_sees_what_was_wrong_then_passes(learner_client, quiz):
    """Start, one wrong answer: the result marks it and shows the explanation; then a pass."""
    page = learner_client.get(_url(quiz))
    assert b"Start the quiz" in page.content and b"pass mark 100%" in page.content
    assert learner_client.post(_url(quiz, "quiz/start/")).status_code == 302
    page = learner_client.get(_url(quiz))
    attempt = QuizAttempt.objects.get()
    assert b"Submit answers" in page.content
    answers = _right_answers(quiz)
    single = quiz.questions.get(kind="single")
    wrong = single.choices.get(is_correct=False)
    answers[f"q{single.pk}"] = [str(wrong.pk)]
    response = learner_client.post(
        _url(quiz, "quiz/submit/"), {"attempt": attempt.pk, **answers}, follow=True
    )
    assert b"You scored 50%" in response.content
    assert b'data-question-result="wrong"' in response.content
    assert f"Why: {single.text}".encode() in response.content
    assert b"Try again" in response.content and b"1 attempt left" in response.content
    learner_client.post(_url(quiz, "quiz/start/"))
    second = QuizAttempt.objects.get(number=2)
    response = learner_client.post(
        _url(quiz, "quiz/submit/"), {"attempt": second.pk, **_right_answers(quiz)}, follow=True
    )
    assert b"You passed with 100%" in response.content
    assert Progress.objects.get(component=quiz).state == Progress.State.COMPLETED


def test_an_unanswered_question_comes_back_with_the_other_answers_kept(learner_client, quiz):
    """400, a message at the question, the answer already given still ticked; nothing stored."""
    learner_client.post(_url(quiz, "quiz/start/"))
    attempt = QuizAttempt.objects.get()
    answers = _right_answers(quiz)
    multiple = quiz.questions.get(kind="multiple")
    del answers[f"q{multiple.pk}"]
    response = learner_client.post(_url(quiz, "quiz/submit/"), {"attempt": attempt.pk, **answers})
    assert response.status_code == 400
    assert b"Choose an answer." in response.content
    kept = answers[f"q{quiz.questions.get(kind='single').pk}"][0]
    assert f'value="{kept}" checked'.encode() in response.content
    attempt.refresh_from_db()
    assert attempt.submitted_at is None


def test_a_forged_attempt_id_is_refused(learner_client, quiz, agency, series):
    """Another learner's attempt cannot be submitted from this account."""
    other = factories.learner_of(agency)
    course_services.enrollment_create(user=other, series=series)
    from courses import quizzes

    theirs = quizzes.quiz_attempt_start(user=other, component=quiz)
    response = learner_client.post(
        _url(quiz, "quiz/submit/"), {"attempt": theirs.pk, **_right_answers(quiz)}, follow=True
    )
    assert b"not yours" in response.content
    theirs.refresh_from_db()
    assert theirs.submitted_at is None


def test_quiz_pages_of_a_draft_series_are_not_found(learner_client, quiz, series):
    """Learners never reach unpublished content, quizzes included."""
    Series.objects.filter(pk=series.pk).update(status=Series.Status.DRAFT)
    assert learner_client.get(_url(quiz)).status_code == 404
    assert learner_client.post(_url(quiz, "quiz/start/")).status_code == 404
    assert not QuizAttempt.objects.exists()


def test_an_unenrolled_learner_is_sent_to_enrol(client, other_learner, quiz, series):
    client.force_login(other_learner)
    response = client.post(_url(quiz, "quiz/start/"))
    assert response["Location"] == series.get_absolute_url()
    assert not QuizAttempt.objects.exists()


def test_quiz_actions_are_post_only(learner_client, quiz):
    assert learner_client.get(_url(quiz, "quiz/start/")).status_code == 405
    assert learner_client.get(_url(quiz, "quiz/submit/")).status_code == 405


def test_survey_page_refuses_then_records(learner_client, module):
    """A missing required answer keeps the rest; a full one completes the survey."""
    survey = factories.survey(module, slug="evaluation", position=10, anonymous=True)
    questions = {q.slug: q for q in survey.questions.all()}
    page = learner_client.get(_url(survey))
    assert b"Your answers are anonymous" in page.content
    data = {f"q{questions['comments'].pk}": "Calm and clear."}
    response = learner_client.post(_url(survey, "survey/"), data)
    assert response.status_code == 400
    assert b"This question needs an answer." in response.content
    assert b"Calm and clear." in response.content
    data[f"q{questions['useful'].pk}"] = "5"
    data[f"q{questions['role'].pk}"] = str(questions["role"].choices.first().pk)
    response = learner_client.post(_url(survey, "survey/"), data, follow=True)
    assert b"your answers are recorded" in response.content
    assert SurveyResponse.objects.get().enrollment is None
    assert Progress.objects.get(component=survey).state == Progress.State.COMPLETED


def test_certificate_component_says_where_the_certificate_is_issued(learner_client, module):
    certificate = factories.ComponentFactory(
        module=module,
        kind="certificate",
        required=False,
        position=11,
        certificate_title="Certificate of completion",
        certificate_signatory="Training Coordinator",
    )
    page = learner_client.get(_url(certificate))
    assert b"Certificate of completion" in page.content
    assert b"Signed by Training Coordinator" in page.content


def _records(learner):
    """The learner's progress rows and enrollment summary, as stored."""
    progress = list(
        Progress.objects.order_by("pk").values_list("pk", "clock_at", "updated_at", "percent")
    )
    enrollments = list(
        learner.enrollments.order_by("pk").values_list("pk", "last_activity_at", "started_at")
    )
    return progress, enrollments


def test_a_refused_quiz_submission_records_nothing(learner_client, learner, quiz):
    """The form comes back with its errors, and the progress clock and the learner's last
    activity stay as they were (found by the fuzz: the page shown again restarted them)."""
    learner_client.get(_url(quiz))
    learner_client.post(_url(quiz, "quiz/start/"))
    attempt = QuizAttempt.objects.get()
    before = _records(learner)
    single = quiz.questions.get(kind="single")
    response = learner_client.post(
        _url(quiz, "quiz/submit/"), {"attempt": attempt.pk, f"q{single.pk}": "not-a-choice"}
    )
    assert response.status_code == 400
    assert _records(learner) == before


def test_a_refused_survey_submission_records_nothing(learner_client, learner, module):
    """A survey answered badly before its page was ever opened leaves no progress row."""
    survey = factories.survey(module, slug="evaluation", position=10)
    before = _records(learner)
    response = learner_client.post(_url(survey, "survey/"), {})
    assert response.status_code == 400
    assert b"This question needs an answer." in response.content
    assert _records(learner) == before


@pytest.mark.parametrize(
    "odd",
    ["q\u00b2", "q" + "9" * 5000, "q\u0663", "q-1", "q", "q 1"],
    ids=["superscript", "5000-digits", "arabic-indic", "negative", "bare", "space"],
)
def test_a_field_that_only_looks_like_an_answer_is_ignored(learner_client, quiz, odd):
    """``q²`` passes ``str.isdigit()`` but not ``int()``; a thousand digits pass neither: such
    names are not answers, and the real answers are scored (found by the fuzz: a 500)."""
    learner_client.post(_url(quiz, "quiz/start/"))
    attempt = QuizAttempt.objects.get()
    data = {"attempt": attempt.pk, **_right_answers(quiz), odd: "1"}
    response = learner_client.post(
        _url(quiz, "quiz/submit/"),
        urlencode(data, doseq=True),  # a field name this long is past a multipart header's limit
        content_type="application/x-www-form-urlencoded",
        follow=True,
    )
    assert b"You passed with 100%" in response.content
