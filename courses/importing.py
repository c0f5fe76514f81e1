"""Series as data: the file format, and its validation before anything is written.

The file format (``format: 1``) is the one ``seed_demo`` loads and ``courses.exporting`` writes:
``{"format": 1, "series": {..., "modules": [{..., "components": [...]}]}, "resources": [...]}``.
``resources`` lists the toolkit resources the components name (by ``slug``), so a file travels
to a site that does not have them yet. ``courses.content.series_import`` writes a valid file.
A bad file is refused as a whole with a message naming the offending field; nothing is changed.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from django.core.files.storage import default_storage

from courses.media import CAPTIONS_SUFFIX, webvtt_problem
from courses.models import (
    CAPTION_LANGUAGES,
    Component,
    Question,
    Series,
)
from toolkit.models import Resource

FORMAT = 1
MEDIA_DIR = Path(__file__).resolve().parent / "data" / "media"


class ImportRefused(Exception):
    """The document is not a valid series; the message names the field."""


def _require(obj: dict, key: str, kind: type | tuple[type, ...], where: str) -> Any:
    if key not in obj:
        raise ImportRefused(f"{where}.{key}: missing")
    value = obj[key]
    if not isinstance(value, kind) or (isinstance(value, bool) and kind is not bool):
        raise ImportRefused(f"{where}.{key}: expected {getattr(kind, '__name__', kind)}")
    return value


def _optional(
    obj: dict, key: str, kind: type | tuple[type, ...], where: str, *, nullable: bool = False
) -> Any:
    """The value under ``key``, or None when the document leaves it out (or, if nullable, null)."""
    if key not in obj or (nullable and obj[key] is None):
        return None
    return _require(obj, key, kind, where)


def _string_list(obj: dict, key: str, where: str) -> list[str]:
    value = obj.get(key, [])
    if not isinstance(value, list) or not all(isinstance(x, str) for x in value):
        raise ImportRefused(f"{where}.{key}: expected a list of strings")
    return value


def validate(document: Any) -> tuple[dict, list[dict]]:
    """Check the whole document before anything is written. Returns the series part and the
    resources part."""
    if not isinstance(document, dict):
        raise ImportRefused("the file must hold a JSON object")
    if document.get("format") != FORMAT:
        raise ImportRefused(f"format: expected {FORMAT}")
    series = _require(document, "series", dict, "document")
    resources = _validate_resources(document.get("resources", []))
    in_file = {item["slug"] for item in resources}
    where = "series"
    _require(series, "slug", str, where)
    _require(series, "title", str, where)
    for key in ("provider", "summary", "credit_type"):
        _optional(series, key, str, where)
    if len(series.get("credit_type") or "") > 60:
        raise ImportRefused("series.credit_type: at most 60 characters")
    _string_list(series, "topics", where)
    try:
        Decimal(str(series.get("credit_hours", "0")))
    except InvalidOperation as exc:
        raise ImportRefused("series.credit_hours: expected a number") from exc
    if series.get("status", "draft") not in Series.Status.values:
        raise ImportRefused(f"series.status: expected one of {', '.join(Series.Status.values)}")
    modules = _require(series, "modules", list, where)
    module_slugs: set[str] = set()
    for i, module in enumerate(modules):
        mwhere = f"series.modules[{i}]"
        if not isinstance(module, dict):
            raise ImportRefused(f"{mwhere}: expected an object")
        slug = _require(module, "slug", str, mwhere)
        if slug in module_slugs:
            raise ImportRefused(f"{mwhere}.slug: “{slug}” appears twice")
        module_slugs.add(slug)
        _require(module, "title", str, mwhere)
        for key in ("summary", "content_advisory"):
            _optional(module, key, str, mwhere)
        _string_list(module, "topics", mwhere)
        _string_list(module, "objectives", mwhere)
        minutes = module.get("estimated_minutes", 0)
        if not isinstance(minutes, int) or isinstance(minutes, bool) or minutes < 0:
            raise ImportRefused(f"{mwhere}.estimated_minutes: expected a whole number ≥ 0")
        component_slugs: set[str] = set()
        for j, component in enumerate(_require(module, "components", list, mwhere)):
            cwhere = f"{mwhere}.components[{j}]"
            if not isinstance(component, dict):
                raise ImportRefused(f"{cwhere}: expected an object")
            cslug = _require(component, "slug", str, cwhere)
            if cslug in component_slugs:
                raise ImportRefused(f"{cwhere}.slug: “{cslug}” appears twice in the module")
            component_slugs.add(cslug)
            _require(component, "title", str, cwhere)
            kind = _require(component, "kind", str, cwhere)
            if kind not in Component.Kind.values:
                raise ImportRefused(
                    f"{cwhere}.kind: expected one of {', '.join(Component.Kind.values)}"
                )
            _optional(component, "required", bool, cwhere)
            for key in ("description", "body", "video_file", "captions_file", "transcript"):
                _optional(component, key, str, cwhere)
            _optional(component, "no_speech", bool, cwhere)
            language = _optional(component, "captions_language", str, cwhere)
            if language is not None and language not in dict(CAPTION_LANGUAGES):
                raise ImportRefused(
                    f"{cwhere}.captions_language: expected one of "
                    f"{', '.join(dict(CAPTION_LANGUAGES))}"
                )
            for key in ("duration_seconds", "completion_threshold"):
                _optional(component, key, int, cwhere, nullable=True)
            # Any kind may point to a resource (the import keeps it); a resource must have one.
            if kind == Component.Kind.RESOURCE:
                _require(component, "resource", str, cwhere)
            resource = _optional(component, "resource", str, cwhere, nullable=True)
            if (
                resource is not None
                and resource not in in_file
                and not Resource.objects.filter(slug=resource).exists()
            ):
                raise ImportRefused(f"{cwhere}.resource: no toolkit resource “{resource}”")
            if kind == Component.Kind.VIDEO:
                name = _require(component, "video_file", str, cwhere)
                # A bare name: never a path out of the shipped folder or the storage's videos/.
                if not name or name in (".", "..") or "/" in name or "\\" in name:
                    raise ImportRefused(f"{cwhere}.video_file: expected a bare file name")
                if not (MEDIA_DIR / name).is_file() and not default_storage.exists(
                    f"videos/{name}"
                ):
                    raise ImportRefused(f"{cwhere}.video_file: no video file “{name}”")
                duration = _require(component, "duration_seconds", int, cwhere)
                if duration <= 0:
                    raise ImportRefused(f"{cwhere}.duration_seconds: expected a positive number")
                if component.get("captions_file"):
                    _validate_captions(component["captions_file"], f"{cwhere}.captions_file")
            _validate_assessment(component, kind, cwhere)
    for i, module in enumerate(modules):
        for prerequisite in _string_list(module, "prerequisites", f"series.modules[{i}]"):
            if prerequisite not in module_slugs or prerequisite == module["slug"]:
                raise ImportRefused(
                    f"series.modules[{i}].prerequisites: “{prerequisite}” is not another module "
                    "of this series"
                )
    return series, resources


def captions_source(name: str) -> bytes | None:
    """The bytes of the captions file a series file names: in media storage (``captions/``),
    else among the shipped files; None when neither has it."""
    stored = f"captions/{name}"
    if default_storage.exists(stored):
        with default_storage.open(stored, "rb") as handle:
            return handle.read()
    shipped = MEDIA_DIR / name
    return shipped.read_bytes() if shipped.is_file() else None


def _validate_captions(name: str, where: str) -> None:
    """A bare ``.vtt`` name, of a file that is there and is WebVTT (the studio's own check)."""
    if name in (".", "..") or "/" in name or "\\" in name or not name.endswith(CAPTIONS_SUFFIX):
        raise ImportRefused(f"{where}: expected the bare name of a .vtt file")
    data = captions_source(name)
    if data is None:
        raise ImportRefused(f"{where}: no captions file “{name}”")
    problem = webvtt_problem(data)
    if problem:
        raise ImportRefused(f"{where}: {problem}")


def _validate_resources(resources: Any) -> list[dict]:
    if not isinstance(resources, list):
        raise ImportRefused("resources: expected a list")
    slugs: set[str] = set()
    for i, item in enumerate(resources):
        where = f"resources[{i}]"
        if not isinstance(item, dict):
            raise ImportRefused(f"{where}: expected an object")
        slug = _require(item, "slug", str, where)
        if slug in slugs:
            raise ImportRefused(f"{where}.slug: “{slug}” appears twice")
        slugs.add(slug)
        for key in ("title", "url"):
            if not _require(item, key, str, where).strip():
                raise ImportRefused(f"{where}.{key}: empty")
        for key in ("source", "description"):
            _optional(item, key, str, where)
        if _require(item, "folder", str, where) not in Resource.Folder.values:
            raise ImportRefused(
                f"{where}.folder: expected one of {', '.join(Resource.Folder.values)}"
            )
        if _require(item, "category", str, where) not in Resource.Category.values:
            raise ImportRefused(
                f"{where}.category: expected one of {', '.join(Resource.Category.values)}"
            )
    return resources


def _validate_assessment(component: dict, kind: str, where: str) -> None:
    """Quiz, survey and certificate settings, and the questions of quizzes and surveys."""
    for key in ("max_attempts", "pass_mark"):
        value = _optional(component, key, int, where, nullable=True)
        if value is not None and value < 0:
            raise ImportRefused(f"{where}.{key}: expected a whole number ≥ 0")
    for key in ("shuffle", "anonymous"):
        _optional(component, key, bool, where)
    for key in ("certificate_title", "certificate_signatory"):
        _optional(component, key, str, where)
    if kind == Component.Kind.QUIZ:
        mark = _require(component, "pass_mark", int, where)
        if not 1 <= mark <= 100:
            raise ImportRefused(f"{where}.pass_mark: expected a percentage from 1 to 100")
    if kind == Component.Kind.CERTIFICATE and component.get("required", False):
        raise ImportRefused(f"{where}.required: a certificate is never required")
    questions = component.get("questions", [])
    if not isinstance(questions, list):
        raise ImportRefused(f"{where}.questions: expected a list")
    if questions and kind not in (Component.Kind.QUIZ, Component.Kind.SURVEY):
        raise ImportRefused(f"{where}.questions: only quizzes and surveys have questions")
    allowed = Question.QUIZ_KINDS if kind == Component.Kind.QUIZ else Question.SURVEY_KINDS
    slugs: set[str] = set()
    for k, question in enumerate(questions):
        qwhere = f"{where}.questions[{k}]"
        if not isinstance(question, dict):
            raise ImportRefused(f"{qwhere}: expected an object")
        slug = _require(question, "slug", str, qwhere)
        if slug in slugs:
            raise ImportRefused(f"{qwhere}.slug: “{slug}” appears twice in the component")
        slugs.add(slug)
        qkind = _require(question, "kind", str, qwhere)
        if qkind not in allowed:
            raise ImportRefused(f"{qwhere}.kind: expected one of {', '.join(allowed)}")
        if not _require(question, "text", str, qwhere).strip():
            raise ImportRefused(f"{qwhere}.text: empty")
        _optional(question, "explanation", str, qwhere)
        _optional(question, "required", bool, qwhere)
        choices = question.get("choices", [])
        if not isinstance(choices, list):
            raise ImportRefused(f"{qwhere}.choices: expected a list")
        for c, choice in enumerate(choices):
            if not isinstance(choice, dict):
                raise ImportRefused(f"{qwhere}.choices[{c}]: expected an object")
            _require(choice, "text", str, f"{qwhere}.choices[{c}]")
            _optional(choice, "correct", bool, f"{qwhere}.choices[{c}]")
        has_choices = qkind in (Question.Kind.SINGLE, Question.Kind.MULTIPLE)
        if has_choices and len(choices) < 2:
            raise ImportRefused(f"{qwhere}.choices: a choice question needs at least two")
        if not has_choices and choices:
            raise ImportRefused(f"{qwhere}.choices: a {qkind} question has no choices")
        if kind == Component.Kind.QUIZ:
            correct = sum(1 for choice in choices if choice.get("correct"))
            if qkind == Question.Kind.SINGLE and correct != 1:
                raise ImportRefused(f"{qwhere}.choices: a single-choice question needs one correct")
            if qkind == Question.Kind.MULTIPLE and correct < 1:
                raise ImportRefused(f"{qwhere}.choices: mark at least one choice correct")
