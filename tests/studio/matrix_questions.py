"""Matrix rows of the studio questions pages (see tests/studio/matrix.py).

tests.studio.matrix imports this module, so it uses only the primitives of tests.test_url_matrix
(and its own copy of ``studio_only``). The matrix world's draft series has a quiz and a survey,
each with one single-choice question of two choices; each request is rolled back after.
"""

from __future__ import annotations

from courses.models import Component, Question
from tests.test_url_matrix import MODULE_ONE, READING, Case, Expect, Redirect, World, signed_in

QUIZ_QUESTIONS = "/studio/components/{quiz_id}/questions/"


def studio_only(ok: Expect) -> dict[str, Expect]:
    """Login for anonymous users, 403 for learners and supervisors, ``ok`` for authors and staff
    (as tests.studio.matrix.studio_only, which cannot be imported from here)."""
    return signed_in(403, author=ok, staff=ok)


def quiz(w: World) -> dict:
    return {"component_id": w.values["quiz_id"]}


def survey(w: World) -> dict:
    return {"component_id": w.values["survey_id"]}


def document(w: World) -> dict:
    """A reading of the seed series: it has no questions."""
    reading = Component.objects.get(module__series=w.series, module__slug=MODULE_ONE, slug=READING)
    return {"component_id": reading.pk}


def no_component(w: World) -> dict:
    return {
        "component_id": Component.objects.order_by("-pk").values_list("pk", flat=True)[0] + 1000
    }


def quiz_question(w: World) -> dict:
    return {"question_id": w.values["quiz_question_id"]}


def survey_question(w: World) -> dict:
    return {"question_id": w.values["survey_question_id"]}


def no_question(w: World) -> dict:
    return {"question_id": Question.objects.order_by("-pk").values_list("pk", flat=True)[0] + 1000}


MATRIX: dict[str, list[Case]] = {
    "studio:questions": [
        Case(studio_only(200), quiz, label="quiz"),
        Case(studio_only(200), survey, label="survey"),
        Case(studio_only(404), document, label="document"),
        Case(studio_only(404), no_component, label="unknown"),
    ],
    "studio:question-new": [
        Case(studio_only(200), quiz, label="quiz"),
        Case(studio_only(200), survey, label="survey"),
        # Nothing filled in: the form comes back, nothing is added.
        Case(studio_only(200), quiz, label="empty post", method="post"),
        Case(studio_only(404), document, label="document"),
        Case(studio_only(404), no_component, label="unknown"),
    ],
    "studio:question-edit": [
        Case(studio_only(200), quiz_question, label="quiz"),
        Case(studio_only(200), survey_question, label="survey"),
        Case(studio_only(200), quiz_question, label="empty post", method="post"),
        Case(studio_only(404), no_question, label="unknown"),
    ],
    "studio:question-delete": [
        Case(studio_only(200), quiz_question, label="quiz"),
        # Nobody answered it: deleted (and rolled back after), back on the quiz's questions.
        Case(studio_only(Redirect(QUIZ_QUESTIONS)), quiz_question, label="post", method="post"),
        Case(studio_only(404), no_question, label="unknown"),
    ],
    # POST only. No direction (or the only question): nothing moves, back to it in the list.
    "studio:question-move": [
        Case(
            studio_only(Redirect(QUIZ_QUESTIONS + "#question-{question_id}")),
            quiz_question,
            method="post",
        ),
        Case(studio_only(404), no_question, label="unknown", method="post"),
    ],
}
