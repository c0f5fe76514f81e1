"""Series as data: validate a JSON document and create or update the series by its slugs.

The file format (``format: 1``) is the one ``seed_demo`` loads and ``courses.exporting`` writes.
A bad file is refused as a whole with a message naming the offending field; nothing is changed.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import transaction

from courses.models import (
    Choice,
    Component,
    Module,
    Question,
    Series,
)
from courses.quizzes import picked_choice_ids, question_has_answers
from toolkit.models import Resource

FORMAT = 1
MEDIA_DIR = Path(__file__).resolve().parent / "data" / "media"
PARKED = 10_000  # added to positions while renumbering (live positions stay far below it)


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


def validate(document: Any) -> dict:
    """Check the whole document before anything is written. Returns the series part."""
    if not isinstance(document, dict):
        raise ImportRefused("the file must hold a JSON object")
    if document.get("format") != FORMAT:
        raise ImportRefused(f"format: expected {FORMAT}")
    series = _require(document, "series", dict, "document")
    where = "series"
    _require(series, "slug", str, where)
    _require(series, "title", str, where)
    for key in ("provider", "summary"):
        _optional(series, key, str, where)
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
            for key in ("description", "body", "video_file"):
                _optional(component, key, str, cwhere)
            for key in ("duration_seconds", "completion_threshold"):
                _optional(component, key, int, cwhere, nullable=True)
            # Any kind may point to a resource (the import keeps it); a resource must have one.
            if kind == Component.Kind.RESOURCE:
                _require(component, "resource", str, cwhere)
            resource = _optional(component, "resource", str, cwhere, nullable=True)
            if resource is not None and not Resource.objects.filter(slug=resource).exists():
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
            _validate_assessment(component, kind, cwhere)
    for i, module in enumerate(modules):
        for prerequisite in _string_list(module, "prerequisites", f"series.modules[{i}]"):
            if prerequisite not in module_slugs or prerequisite == module["slug"]:
                raise ImportRefused(
                    f"series.modules[{i}].prerequisites: “{prerequisite}” is not another module "
                    "of this series"
                )
    return series


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


def _assign(instance, values: dict[str, Any]) -> bool:
    changed = [name for name, value in values.items() if getattr(instance, name) != value]
    for name in changed:
        setattr(instance, name, values[name])
    return bool(changed) or instance.pk is None


def _save(instance, where: str) -> None:
    try:
        instance.full_clean(validate_unique=False, validate_constraints=False)
    except ValidationError as exc:
        field, messages = next(iter(exc.message_dict.items()))
        raise ImportRefused(f"{where}.{field}: {' '.join(messages)}") from exc
    instance.save()


def _video_name(name: str) -> str:
    """Copy a shipped video into media storage once; returns its storage name."""
    stored = f"videos/{name}"
    if not default_storage.exists(stored):
        with (MEDIA_DIR / name).open("rb") as handle:
            saved = default_storage.save(stored, File(handle, name=name))
        assert saved == stored, saved
    return stored


@transaction.atomic
def series_import(document: Any) -> tuple[Series, bool]:
    """Create or update a series (modules, components, prerequisites) from a document.

    Matches by slugs; returns (series, changed). Importing the same document twice changes nothing.
    Modules and components missing from the document are left in place (never deleted here).
    """
    data = validate(document)
    changed = False
    series = Series.objects.filter(slug=data["slug"]).first() or Series(slug=data["slug"])
    if _assign(
        series,
        {
            "title": data["title"],
            "provider": data.get("provider", ""),
            "summary": data.get("summary", ""),
            "topics": data.get("topics", []),
            "credit_hours": Decimal(str(data.get("credit_hours", "0"))),
            "status": data.get("status", Series.Status.DRAFT),
        },
    ):
        _save(series, "series")
        changed = True

    existing_modules = {m.slug: m for m in series.modules.all()} if series.pk else {}
    _park(existing_modules, {m["slug"]: i + 1 for i, m in enumerate(data["modules"])})
    modules: dict[str, Module] = {}
    for i, mdata in enumerate(data["modules"]):
        module = existing_modules.get(mdata["slug"]) or Module(series=series, slug=mdata["slug"])
        if _assign(
            module,
            {
                "title": mdata["title"],
                "position": i + 1,
                "summary": mdata.get("summary", ""),
                "topics": mdata.get("topics", []),
                "objectives": mdata.get("objectives", []),
                "estimated_minutes": mdata.get("estimated_minutes", 0),
                "content_advisory": mdata.get("content_advisory", ""),
                "archived_at": None,  # named in the file: live again if an author had removed it
            },
        ):
            _save(module, f"series.modules[{i}]")
            changed = True
        modules[module.slug] = module
        changed |= _import_components(module, mdata["components"], where=f"series.modules[{i}]")
    for mdata in data["modules"]:
        module = modules[mdata["slug"]]
        wanted = {modules[slug].pk for slug in mdata.get("prerequisites", [])}
        if set(module.prerequisites.values_list("pk", flat=True)) != wanted:
            module.prerequisites.set(wanted)
            changed = True
    return series, changed


def _park(existing: dict[str, Any], wanted_positions: dict[str, int]) -> None:
    """Positions are unique per parent: before numbering the rows in the file's order, move the
    rows it places (and live rows it leaves out) out of the way. Archived rows the file does not
    name keep their place out of the live order."""
    rows = [
        row
        for slug, row in existing.items()
        if slug in wanted_positions or getattr(row, "archived_at", None) is None
    ]
    if any(wanted_positions.get(row.slug) != row.position for row in rows):
        for row in rows:
            row.position += PARKED
            row.save(update_fields=["position"])


def _import_components(module: Module, components: list[dict], *, where: str) -> bool:
    changed = False
    existing = {c.slug: c for c in module.components.all()} if module.pk else {}
    _park(existing, {c["slug"]: j + 1 for j, c in enumerate(components)})
    resources = {
        r.slug: r
        for r in Resource.objects.filter(
            slug__in=[c["resource"] for c in components if c.get("resource")]
        )
    }
    for j, cdata in enumerate(components):
        component = existing.get(cdata["slug"]) or Component(module=module, slug=cdata["slug"])
        values: dict[str, Any] = {
            "title": cdata["title"],
            "position": j + 1,
            "kind": cdata["kind"],
            "required": cdata.get("required", True),
            "description": cdata.get("description", ""),
            "body": cdata.get("body", ""),
            "duration_seconds": cdata.get("duration_seconds"),
            "completion_threshold": cdata.get("completion_threshold"),
            "resource": resources.get(cdata.get("resource", "")),
            "pass_mark": cdata.get("pass_mark"),
            "max_attempts": cdata.get("max_attempts") or 0,
            "shuffle": cdata.get("shuffle", False),
            "anonymous": cdata.get("anonymous", False),
            "certificate_title": cdata.get("certificate_title", ""),
            "certificate_signatory": cdata.get("certificate_signatory", ""),
            "archived_at": None,  # named in the file: live again if an author had removed it
        }
        if cdata["kind"] == Component.Kind.VIDEO:
            values["video_file"] = _video_name(cdata["video_file"])
        if _assign(component, values):
            _save(component, f"{where}.components[{j}]")
            changed = True
        changed |= _import_questions(
            component, cdata.get("questions", []), where=f"{where}.components[{j}]"
        )
    return changed


def _import_questions(component: Component, questions: list[dict], *, where: str) -> bool:
    """Questions by slug, choices by position. Records are kept: a question or choice learners
    answered cannot be removed by a file (refused, naming it); the file may reword it."""
    changed = False
    existing = {q.slug: q for q in component.questions.prefetch_related("choices")}
    wanted = {q["slug"] for q in questions}
    for slug, question in existing.items():
        if slug not in wanted:
            if question_has_answers(question):
                raise ImportRefused(
                    f"{where}.questions: “{slug}” was answered by learners and cannot be left out"
                )
            question.delete()
            changed = True
    existing = {slug: q for slug, q in existing.items() if slug in wanted}
    _park(existing, {q["slug"]: k + 1 for k, q in enumerate(questions)})
    for k, qdata in enumerate(questions):
        qwhere = f"{where}.questions[{k}]"
        question = existing.get(qdata["slug"]) or Question(component=component, slug=qdata["slug"])
        if _assign(
            question,
            {
                "position": k + 1,
                "kind": qdata["kind"],
                "text": qdata["text"],
                "explanation": qdata.get("explanation", ""),
                "required": qdata.get("required", True),
            },
        ):
            _save(question, qwhere)
            changed = True
        current = list(question.choices.order_by("position")) if question.pk else []
        for c, cdata in enumerate(qdata.get("choices", [])):
            choice = current[c] if c < len(current) else Choice(question=question, position=c + 1)
            if _assign(choice, {"text": cdata["text"], "is_correct": cdata.get("correct", False)}):
                _save(choice, f"{qwhere}.choices[{c}]")
                changed = True
        kept = len(qdata.get("choices", []))
        picked = picked_choice_ids(question) if current[kept:] else set()
        for c, extra in enumerate(current[kept:], start=kept):
            if extra.pk in picked:
                raise ImportRefused(
                    f"{qwhere}.choices[{c}]: learners picked “{extra.text}”; it cannot be removed"
                )
            extra.delete()
            changed = True
    return changed
