"""Series as data, the other way: write the document ``courses.importing.series_import`` reads.

Every key the importer reads is written, in a fixed order, so export → import → export gives the
same bytes. Videos and their captions are named by their bare file name; the importer finds them
in media storage (``videos/<name>``, ``captions/<name>``) or among the shipped files in
``courses/data/media/``.
"""

from __future__ import annotations

import json
import posixpath
from decimal import Decimal
from typing import Any

from django.db.models import Prefetch

from courses.importing import FORMAT
from courses.models import Choice, Component, Module, Question, Series


class ExportRefused(Exception):
    """The series holds something the file format cannot carry; the message names it."""


def series_export(*, series: Series) -> dict[str, Any]:
    """The series as a format-1 document: modules and components in position order.

    Importing the result where the same video files exist (toolkit resources travel in the
    file), then exporting again, gives an equal document. Refuses a module whose prerequisite
    belongs to another series.
    """
    modules = (
        series.modules.live()
        .order_by("position")
        .prefetch_related(
            Prefetch(
                "prerequisites",
                # A module an author removed is no prerequisite any more, and not in the file.
                queryset=Module.objects.live().order_by("position", "slug"),
            ),
            Prefetch(
                "components",
                queryset=Component.objects.unarchived()
                .select_related("resource")
                .prefetch_related(
                    Prefetch(
                        "questions",
                        queryset=Question.objects.order_by("position").prefetch_related(
                            Prefetch("choices", queryset=Choice.objects.order_by("position"))
                        ),
                    )
                )
                .order_by("position"),
            ),
        )
    )
    live = list(modules)
    return {
        "format": FORMAT,
        "series": {
            "slug": series.slug,
            "title": series.title,
            "provider": series.provider,
            "summary": series.summary,
            "topics": series.topics,
            "credit_hours": _decimal_text(series.credit_hours),
            "credit_type": series.credit_type,
            "status": series.status,
            "modules": [_module(module, series=series) for module in live],
        },
        "resources": _resources(live),
    }


def _resources(modules: list[Module]) -> list[dict[str, Any]]:
    """The toolkit resources the components name, by slug, so the file travels: the importer
    matches them by URL and creates the missing ones."""
    resources = {
        component.resource.slug: component.resource
        for module in modules
        for component in module.components.all()
        if component.resource is not None
    }
    return [
        {
            "slug": resource.slug,
            "title": resource.title,
            "source": resource.source,
            "description": resource.description,
            "url": resource.url,
            "folder": resource.folder,
            "category": resource.category,
        }
        for _slug, resource in sorted(resources.items())
    ]


def series_json(document: dict[str, Any]) -> str:
    """The document as the text files hold it: UTF-8 characters as they are, two-space indent."""
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"


def _decimal_text(value: Decimal | int) -> str:
    # “1.5”, not the column's “1.50”: the same number as authors write it.
    return format(Decimal(str(value)).normalize(), "f")


def _module(module: Module, *, series: Series) -> dict[str, Any]:
    prerequisites = list(module.prerequisites.all())
    for prerequisite in prerequisites:
        if prerequisite.series_id != series.pk:
            raise ExportRefused(
                f"module “{module.slug}”: its prerequisite “{prerequisite.slug}” belongs to "
                "another series"
            )
    return {
        "slug": module.slug,
        "title": module.title,
        "summary": module.summary,
        "topics": module.topics,
        "objectives": module.objectives,
        "estimated_minutes": module.estimated_minutes,
        "prerequisites": [prerequisite.slug for prerequisite in prerequisites],
        "content_advisory": module.content_advisory,
        "components": [_component(component) for component in module.components.all()],
    }


def _component(component: Component) -> dict[str, Any]:
    # The importer reads the file only for videos; anything left on another kind is not content.
    is_video = component.kind == Component.Kind.VIDEO
    return {
        "slug": component.slug,
        "title": component.title,
        "kind": component.kind,
        "required": component.required,
        "description": component.description,
        "body": component.body,
        "video_file": posixpath.basename(component.video_file.name or "") if is_video else "",
        "duration_seconds": component.duration_seconds,
        "completion_threshold": component.completion_threshold,
        "captions_file": posixpath.basename(component.captions_file.name or "") if is_video else "",
        "captions_language": component.captions_language,
        "transcript": component.transcript if is_video else "",
        "no_speech": component.no_speech if is_video else False,
        "resource": component.resource.slug if component.resource else None,
        "pass_mark": component.pass_mark,
        "max_attempts": component.max_attempts,
        "shuffle": component.shuffle,
        "anonymous": component.anonymous,
        "certificate_title": component.certificate_title,
        "certificate_signatory": component.certificate_signatory,
        "questions": [_question(q) for q in component.questions.all()],
    }


def _question(question: Question) -> dict[str, Any]:
    return {
        "slug": question.slug,
        "kind": question.kind,
        "text": question.text,
        "explanation": question.explanation,
        "required": question.required,
        "choices": [
            {"text": choice.text, "correct": choice.is_correct} for choice in question.choices.all()
        ],
    }
