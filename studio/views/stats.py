"""The author's statistics page of a component: aggregate figures, never a name."""

from __future__ import annotations

from datetime import timedelta

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET

from courses.models import Question
from lms.db_router import reports_read
from studio import selectors_stats as stats
from studio.views.common import author_required, get_component


def duration_text(value: timedelta) -> str:
    """A median time as an author reads it: “45 s”, “12 min”, “2 h 5 min”, “3 days 4 h”."""
    seconds = round(value.total_seconds())
    if seconds < 60:
        return _("%(seconds)s s") % {"seconds": seconds}
    minutes = round(seconds / 60)
    if minutes < 60:
        return _("%(minutes)s min") % {"minutes": minutes}
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        if minutes:
            return _("%(hours)s h %(minutes)s min") % {"hours": hours, "minutes": minutes}
        return _("%(hours)s h") % {"hours": hours}
    days, hours = divmod(hours, 24)
    if hours:
        return ngettext("%(days)s day %(hours)s h", "%(days)s days %(hours)s h", days) % {
            "days": days,
            "hours": hours,
        }
    return ngettext("%(days)s day", "%(days)s days", days) % {"days": days}


def _bands_chart(quiz: stats.QuizFigures) -> dict:
    """Geometry of the score-band bar chart, drawn as SVG on the server (no script)."""
    width, height, top, bottom = 400, 150, 18, 22
    step = width / len(quiz.bands)
    peak = quiz.peak_band or 1
    bars = []
    for i, band in enumerate(quiz.bands):
        bar_height = (height - top - bottom) * band.attempts / peak
        bars.append(
            {
                "x": f"{i * step + 3:.1f}",
                "y": f"{height - bottom - bar_height:.1f}",
                "width": f"{step - 6:.1f}",
                "height": f"{bar_height:.1f}",
                "middle": f"{i * step + step / 2:.1f}",
                "count_y": f"{height - bottom - bar_height - 4:.1f}",
                "band": band,
            }
        )
    return {
        "width": width,
        "height": height,
        "axis_y": height - bottom,
        "label_y": height - 6,
        "bars": bars,
    }


@require_GET
@author_required
def component_stats(request: HttpRequest, component_id: int) -> HttpResponse:
    component = get_component(component_id)
    if "question" in request.GET:
        return _text_answers(request, component)
    # The component is looked up on the primary (an author's new component is found at once);
    # the figures may come from the replica.
    with reports_read():
        figures = stats.component_stats(component=component)
        progress = figures.progress
        return render(
            request,
            "studio/stats/component.html",
            {
                "series": component.module.series,
                "component": component,
                "heading": _("Statistics: %(title)s") % {"title": component.title},
                "stats": figures,
                "progress": progress,
                # A zero median (completed on opening) is a figure too: not “no completion”.
                "median_text": "" if progress.median is None else duration_text(progress.median),
                "quiz": figures.quiz,
                "survey": figures.survey,
                "chart": _bands_chart(figures.quiz) if figures.quiz else None,
                "threshold": stats.SUPPRESS_BELOW,
            },
        )


def _text_answers(request: HttpRequest, component) -> HttpResponse:
    """Every answer to one free-text question of a survey, a page at a time."""
    try:
        question_id = int(request.GET["question"])
    except ValueError as exc:
        raise Http404("No such question.") from exc
    question = Question.objects.filter(
        pk=question_id, component=component, kind=Question.Kind.TEXT
    ).first()
    if question is None:
        raise Http404("No such question.")
    with reports_read():
        responses, page = stats.survey_text_page(
            component=component, question=question, page=request.GET.get("page")
        )
        return render(
            request,
            "studio/stats/answers.html",
            {
                "series": component.module.series,
                "component": component,
                "question": question,
                "heading": _("Answers: %(title)s") % {"title": component.title},
                "responses": responses,
                "page": page,
                "threshold": stats.SUPPRESS_BELOW,
            },
        )
