"""“Preview as learner”: any series, draft, published or archived, as a learner meets it.

The learner's own templates render with ``preview`` set: forms that would record something are
disabled, links stay inside the preview and a banner says so. Nothing here writes: previewing
creates no enrolment, progress, quiz attempt, survey response or advisory acknowledgement.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404, render
from django.template.backends.django import Template
from django.template.loader import select_template
from django.urls import reverse
from django.views.decorators.http import require_GET

from courses import quiz_views
from courses.media import captions_response, video_response
from courses.models import Component, Module, Progress, Series
from courses.selectors import (
    ModuleState,
    Outline,
    component_or_404,
    live_modules,
    module_state_or_404,
)
from studio.views.common import author_required


def preview_outline(*, series: Series) -> Outline:
    """The series as a learner who has not started meets it, without anybody's enrolment.

    Archived modules and components are left out, as for learners. No progress and nothing
    locked, so the author can open every module; ``missing_prerequisites`` and
    ``needs_advisory`` still say what a learner must do first. The series, every module (the
    prerequisites too) and every component carry ``preview_url``. Three queries.
    """
    modules = live_modules(series)
    series.preview_url = reverse("studio:preview-series", kwargs={"series_slug": series.slug})
    states = []
    for module in modules:
        module.series = series  # the URLs read module.series: no query for each
        module.preview_url = _module_url(series, module)
        components = list(module.components.all())
        for component in components:
            component.preview_url = reverse(
                "studio:preview-component", kwargs=component.url_kwargs()
            )
        prerequisites = list(module.prerequisites.all())
        for prerequisite in prerequisites:
            prerequisite.preview_url = _module_url(series, prerequisite)
        states.append(
            ModuleState(
                module=module,
                components=components,
                locked=False,
                completed=False,
                completed_count=0,
                required_count=sum(1 for c in components if c.required),
                needs_advisory=bool(module.content_advisory),
                missing_prerequisites=prerequisites,
            )
        )
    return Outline(series=series, enrollment=None, modules=states, progress={})


def _module_url(series: Series, module: Module) -> str:
    return reverse(
        "studio:preview-module", kwargs={"series_slug": series.slug, "module_slug": module.slug}
    )


def _get_series(series_slug: str) -> Series:
    """Any series, whatever its status: authors preview drafts before anyone sees them."""
    return get_object_or_404(Series, slug=series_slug)


def _render(request: HttpRequest, learner_template: str | Template, context: dict) -> HttpResponse:
    """The learner's page inside ``studio/preview/page.html``, which adds the banner."""
    return render(
        request,
        "studio/preview/page.html",
        {**context, "preview": True, "learner_template": learner_template},
    )


@require_GET
@author_required
def preview_series(request: HttpRequest, series_slug: str) -> HttpResponse:
    series = _get_series(series_slug)
    outline = preview_outline(series=series)
    return _render(
        request,
        "courses/series_detail.html",
        {"series": series, "outline": outline, "next_component": outline.next_component()},
    )


@require_GET
@author_required
def preview_module(request: HttpRequest, series_slug: str, module_slug: str) -> HttpResponse:
    series = _get_series(series_slug)
    outline = preview_outline(series=series)
    state = module_state_or_404(outline=outline, module_slug=module_slug)
    return _render(
        request,
        "courses/module_detail.html",
        {"series": series, "outline": outline, "state": state},
    )


def _first_attempt(component: Component) -> dict:
    """The quiz's questions as a first attempt shows them unshuffled; no attempt is opened."""
    questions = list(component.questions.prefetch_related("choices").order_by("position"))
    return {
        "question_count": len(questions),
        "open_questions": [
            quiz_views.ShownQuestion(question, list(question.choices.all()))
            for question in questions
        ],
    }


@require_GET
@author_required
def preview_component(
    request: HttpRequest, series_slug: str, module_slug: str, component_slug: str
) -> HttpResponse:
    series = _get_series(series_slug)
    outline = preview_outline(series=series)
    state = module_state_or_404(outline=outline, module_slug=module_slug)
    component = component_or_404(state=state, component_slug=component_slug)
    # What a learner has on first opening the page, kept in memory: never saved.
    progress = Progress(component=component)
    outline.progress[component.pk] = progress
    siblings = [c for s in outline.modules for c in s.components]
    index = next(i for i, c in enumerate(siblings) if c.pk == component.pk)
    context = {
        "series": series,
        "outline": outline,
        "state": state,
        "component": component,
        "progress": progress,
        "previous_component": siblings[index - 1] if index > 0 else None,
        "next_component": siblings[index + 1] if index + 1 < len(siblings) else None,
        "refusal": "",
    }
    if component.kind == Component.Kind.QUIZ:
        context.update(_first_attempt(component))
    elif component.kind == Component.Kind.SURVEY:
        context.update(quiz_views.survey_context(component=component))
    learner_template = select_template(
        [f"courses/components/{component.kind}.html", "courses/components/unavailable.html"]
    )
    return _render(request, learner_template, context)


@require_GET
@author_required
def preview_media(
    request: HttpRequest, series_slug: str, module_slug: str, component_slug: str
) -> HttpResponseBase:
    """The video of a previewed component, streamed to its authors; the learner's media URL
    serves enrolled learners only."""
    return video_response(request, _previewed_video(series_slug, module_slug, component_slug))


@require_GET
@author_required
def preview_captions(
    request: HttpRequest, series_slug: str, module_slug: str, component_slug: str
) -> HttpResponseBase:
    """The captions of a previewed video, to its authors (the learner's URL: enrolled only)."""
    return captions_response(_previewed_video(series_slug, module_slug, component_slug))


def _previewed_video(series_slug: str, module_slug: str, component_slug: str) -> Component:
    return get_object_or_404(
        Component.objects.live(),
        module__series__slug=series_slug,
        module__slug=module_slug,
        slug=component_slug,
        kind=Component.Kind.VIDEO,
    )
