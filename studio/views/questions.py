"""The studio's question editor: the questions of a quiz or survey, their choices and order."""

from __future__ import annotations

from django.contrib import messages
from django.db.models import Exists, OuterRef, Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from courses import content
from courses.models import (
    Choice,
    Component,
    Question,
    QuizAnswer,
    QuizAttempt,
    SurveyAnswer,
    live_components_q,
)
from studio.forms.content import MoveForm
from studio.forms.questions import BaseChoiceFormSet, QuestionForm, choice_formset
from studio.views.common import author_required

QUESTION_KINDS = (Component.Kind.QUIZ, Component.Kind.SURVEY)


def _get_component(component_id: int) -> Component:
    """A live quiz or survey; 404 for any other component or an archived one."""
    return get_object_or_404(
        Component.objects.live().select_related("module__series"),
        pk=component_id,
        kind__in=QUESTION_KINDS,
    )


def _get_question(question_id: int) -> Question:
    return get_object_or_404(
        Question.objects.filter(live_components_q("component__")).select_related(
            "component__module__series"
        ),
        pk=question_id,
        component__kind__in=QUESTION_KINDS,
    )


def _questions_url(component: Component, question: Question | None = None) -> str:
    url = reverse("studio:questions", kwargs={"component_id": component.pk})
    return f"{url}#question-{question.pk}" if question is not None else url


@require_GET
@author_required
def questions(request: HttpRequest, component_id: int) -> HttpResponse:
    component = _get_component(component_id)
    items = list(
        component.questions.order_by("position")
        .annotate(
            answered=Exists(QuizAnswer.objects.filter(question=OuterRef("pk")))
            | Exists(SurveyAnswer.objects.filter(question=OuterRef("pk")))
        )
        .prefetch_related(Prefetch("choices", queryset=Choice.objects.order_by("position")))
    )
    return render(
        request,
        "studio/questions/question_list.html",
        {
            "series": component.module.series,
            "component": component,
            "is_quiz": component.kind == Component.Kind.QUIZ,
            "questions": items,
            "likert_text": " · ".join(str(label) for label in Question.LIKERT_LABELS.values()),
            "scored": QuizAttempt.objects.filter(
                component=component, submitted_at__isnull=False
            ).exists(),
            "heading": _("Questions of “%(title)s”") % {"title": component.title},
        },
    )


def _refused(refusal: content.ContentRefused, form: QuestionForm, choice_errors: list[str]) -> None:
    """Show the refusal beside the part of the form it is about."""
    field = getattr(refusal, "field", None)
    if field == "choices":
        choice_errors.append(str(refusal))
    else:
        form.add_error(field if field in form.fields else None, str(refusal))


def _form_page(
    request: HttpRequest,
    *,
    component: Component,
    form: QuestionForm,
    formset: BaseChoiceFormSet,
    choice_errors: list[str],
    question: Question | None = None,
    answered: bool = False,
    picked: frozenset[int] = frozenset(),
) -> HttpResponse:
    if question:
        heading = _("Edit the question")
    elif component.kind == Component.Kind.QUIZ:
        heading = _("New question for the quiz")
    else:
        heading = _("New question for the survey / evaluation")
    return render(
        request,
        "studio/questions/question_form.html",
        {
            "series": component.module.series,
            "component": component,
            "question": question,
            "is_quiz": component.kind == Component.Kind.QUIZ,
            "form": form,
            "formset": formset,
            "choice_errors": choice_errors,
            "answered": answered,
            "picked": picked,
            "heading": heading,
        },
    )


@require_http_methods(["GET", "POST"])
@author_required
def question_new(request: HttpRequest, component_id: int) -> HttpResponse:
    component = _get_component(component_id)
    draft = Question(component=component)
    form = QuestionForm(request.POST or None, instance=draft, component=component)
    formset = choice_formset(component, request.POST or None, instance=draft)
    choice_errors: list[str] = []
    if request.method == "POST" and all([form.is_valid(), formset.is_valid()]):
        try:
            question = content.question_create(
                component=component, choices=formset.choices(), **form.data_for_service()
            )
        except content.ContentRefused as refusal:
            _refused(refusal, form, choice_errors)
        else:
            messages.success(
                request, _("Question %(number)s added.") % {"number": question.position}
            )
            if "another" in request.POST:
                return redirect("studio:question-new", component_id=component.pk)
            return redirect(_questions_url(component, question))
    return _form_page(
        request, component=component, form=form, formset=formset, choice_errors=choice_errors
    )


@require_http_methods(["GET", "POST"])
@author_required
def question_edit(request: HttpRequest, question_id: int) -> HttpResponse:
    question = _get_question(question_id)
    component = question.component
    answered = content.question_has_answers(question)
    form = QuestionForm(
        request.POST or None, instance=question, component=component, kind_locked=answered
    )
    formset = choice_formset(component, request.POST or None, instance=question)
    choice_errors: list[str] = []
    if request.method == "POST" and all([form.is_valid(), formset.is_valid()]):
        try:
            content.question_update(
                question=question, choices=formset.choices(), **form.data_for_service()
            )
        except content.ContentRefused as refusal:
            _refused(refusal, form, choice_errors)
        else:
            messages.success(
                request, _("Question %(number)s saved.") % {"number": question.position}
            )
            return redirect(_questions_url(component, question))
    return _form_page(
        request,
        component=component,
        form=form,
        formset=formset,
        choice_errors=choice_errors,
        question=question,
        answered=answered,
        picked=frozenset(content.picked_choice_ids(question)) if answered else frozenset(),
    )


@require_http_methods(["GET", "POST"])
@author_required
def question_delete(request: HttpRequest, question_id: int) -> HttpResponse:
    question = _get_question(question_id)
    component = question.component
    if request.method == "POST":
        try:
            content.question_remove(question=question)
        except content.ContentRefused as refusal:
            messages.error(request, str(refusal))
            return redirect(_questions_url(component, question))
        messages.success(request, _("Question “%(question)s” removed.") % {"question": question})
        return redirect(_questions_url(component))
    return render(
        request,
        "studio/questions/question_confirm_delete.html",
        {
            "series": component.module.series,
            "component": component,
            "question": question,
            "answered": content.question_has_answers(question),
            "refusal": content.ANSWERED,
            "cancel": _questions_url(component, question),
            "heading": _("Remove this question?"),
        },
    )


@require_POST
@author_required
def question_move(request: HttpRequest, question_id: int) -> HttpResponse:
    question = _get_question(question_id)
    form = MoveForm(request.POST)
    if form.is_valid():
        try:
            content.question_move(question=question, direction=form.cleaned_data["direction"])
        except content.ContentRefused as refusal:
            messages.error(request, str(refusal))
    return redirect(_questions_url(question.component, question))
