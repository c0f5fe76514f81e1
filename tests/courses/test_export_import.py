"""export_series and import_series: series as data, round-tripped byte for byte."""

import io
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, ManagementUtility, call_command
from django.db import connections
from django.utils import timezone

from courses import services
from courses.content import series_import
from courses.exporting import series_export
from courses.importing import ImportRefused
from courses.management.commands.seed_demo import DATA, SERIES_FILES
from courses.models import Component, Module, Progress, Series
from tests import factories
from tests.courses.test_seed_demo import _snapshot
from toolkit.services import resource_upsert

pytestmark = pytest.mark.django_db

SEED_FILE = DATA / SERIES_FILES[0]
SEED_SLUG = "working-with-victims-and-survivors-of-csam"


@pytest.fixture
def toolkit() -> None:
    """The toolkit resources the seed series points to, loaded as seed_demo loads them."""
    for resource in json.loads((DATA / "toolkit.json").read_text())["resources"]:
        resource_upsert(**resource)


@pytest.fixture
def seed(toolkit) -> Series:
    """The shipped seed series, loaded through the command authors use."""
    _import(SEED_FILE)
    return Series.objects.get(slug=SEED_SLUG)


def _import(path: Path) -> str:
    out = io.StringIO()
    call_command("import_series", str(path), stdout=out)
    return out.getvalue()


def _export(slug: str, *args: str) -> str:
    out = io.StringIO()
    call_command("export_series", slug, *args, stdout=out)
    return out.getvalue()


def _write(tmp_path: Path, document: Any) -> Path:
    path = tmp_path / "series.json"
    path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    return path


def _wipe() -> None:
    """Delete every series; modules and components go with them (no progress protects them)."""
    assert not Progress.objects.exists()
    Series.objects.all().delete()
    assert not Module.objects.exists()
    assert not Component.objects.exists()


def _counts() -> tuple[int, int, int]:
    return Series.objects.count(), Module.objects.count(), Component.objects.count()


def _assert_holds(exported: Any, given: Any, where: str = "") -> None:
    """Everything ``given`` says, ``exported`` says too (it may say more)."""
    if isinstance(given, dict):
        for key, value in given.items():
            assert key in exported, f"{where}.{key} missing"
            _assert_holds(exported[key], value, f"{where}.{key}")
    elif isinstance(given, list):
        assert len(exported) == len(given), where
        for i, (a, b) in enumerate(zip(exported, given, strict=True)):
            _assert_holds(a, b, f"{where}[{i}]")
    else:
        assert exported == given, where


def _run_from_command_line(monkeypatch, capsys, *argv: str) -> tuple[int, str]:
    """Run ``manage.py <argv>`` in this process; returns the exit status and standard error."""
    # The command closes the database connections when it ends; the test still needs its own.
    monkeypatch.setattr(connections, "close_all", lambda: None)
    with pytest.raises(SystemExit) as exit_info:
        ManagementUtility(["manage.py", *argv]).execute()
    return exit_info.value.code, capsys.readouterr().err


def test_seed_series_round_trips_byte_for_byte(seed, tmp_path):
    """Export, import into a database with no series, export again: the same bytes."""
    first = _export(SEED_SLUG)
    _wipe()
    path = tmp_path / "exported.json"
    path.write_text(first, encoding="utf-8")
    assert "Created series" in _import(path)
    assert _counts() == (1, 2, 4)
    assert _export(SEED_SLUG) == first


def test_export_says_everything_the_shipped_file_says(seed):
    """Every value of the shipped file comes back in the export, in the same order of items."""
    exported = json.loads(_export(SEED_SLUG))
    _assert_holds(exported, json.loads(SEED_FILE.read_text()))


def test_export_writes_every_key_the_importer_reads_in_a_fixed_order(seed):
    """Fixed keys, two-space indent, characters as they are, one final newline, same every time."""
    text = _export(SEED_SLUG)
    document = json.loads(text)
    series = document["series"]
    assert list(document) == ["format", "series", "resources"]
    assert list(series) == [
        *("slug", "title", "provider", "summary", "topics", "credit_hours", "credit_type"),
        *("status", "modules"),
    ]
    assert (series["credit_hours"], series["credit_type"]) == ("1.5", "POST CPT")
    assert list(series["modules"][0]) == [
        *("slug", "title", "summary", "topics", "objectives", "estimated_minutes"),
        *("prerequisites", "content_advisory", "components"),
    ]
    assert series["modules"][1]["prerequisites"] == ["understanding-csam-and-its-impacts"]
    video, reading = series["modules"][0]["components"]
    assert list(video) == [
        *("slug", "title", "kind", "required", "description", "body", "video_file"),
        *("duration_seconds", "completion_threshold"),
        *("captions_file", "captions_language", "transcript", "no_speech", "resource"),
        *("pass_mark", "max_attempts", "shuffle", "anonymous"),
        *("certificate_title", "certificate_signatory", "questions"),
    ]
    assert video["video_file"] == "demo-training-video.webm"
    assert (video["captions_file"], video["captions_language"]) == (
        "demo-training-video.en.vtt",
        "en",
    )
    assert video["transcript"].startswith("[On screen:") and video["no_speech"] is False
    assert reading["video_file"] == "" and reading["resource"] is None
    assert (reading["captions_file"], reading["transcript"]) == ("", "")
    assert text.startswith('{\n  "format": 1,\n  "series": {\n    "slug": ')
    assert "survivors’ choice" in text
    assert text.endswith("}\n") and not text.endswith("\n\n")
    assert _export(SEED_SLUG) == text


def test_factory_series_round_trips_into_an_empty_database(series, tmp_path):
    """Optional components, thresholds, a reading with a resource and position gaps survive."""
    reading = Component.objects.get(slug="reading")
    reading.required = False
    reading.resource = factories.ResourceFactory()
    reading.title = "Lecture : « Les survivants »"
    reading.save()
    Component.objects.filter(slug="intro-video").update(completion_threshold=75)
    Module.objects.filter(slug="first-contact").update(position=7, estimated_minutes=25)
    first = _export(series.slug)
    _wipe()
    path = tmp_path / "exported.json"
    path.write_text(first, encoding="utf-8")
    _import(path)
    assert _export(series.slug) == first
    assert list(Module.objects.order_by("position").values_list("position", flat=True)) == [1, 2]
    reading = Component.objects.get(slug="reading")
    assert not reading.required
    assert reading.resource is not None


def test_export_output_option_writes_the_same_bytes_to_a_file(seed, tmp_path):
    """--output FILE holds exactly what standard output would."""
    path = tmp_path / "out.json"
    message = _export(SEED_SLUG, "--output", str(path))
    assert str(path) in message
    assert path.read_bytes() == _export(SEED_SLUG).encode("utf-8")


def test_export_of_an_unknown_slug_is_refused(seed, monkeypatch, capsys):
    """A CommandError naming the slug; from the command line, exit status 1."""
    with pytest.raises(CommandError, match="No series has the slug “no-such-series”"):
        _export("no-such-series")
    status, err = _run_from_command_line(monkeypatch, capsys, "export_series", "no-such-series")
    assert status == 1
    assert "no-such-series" in err


def test_export_refuses_a_prerequisite_from_another_series(series):
    """The file names prerequisites by slug within the series; another series' module cannot be."""
    elsewhere = factories.ModuleFactory(slug="elsewhere")
    Module.objects.get(slug="first-contact").prerequisites.add(elsewhere)
    with pytest.raises(CommandError, match="“elsewhere” belongs to another series"):
        _export(series.slug)


def test_import_says_created_then_unchanged_then_updated(toolkit, tmp_path):
    """The command reports what it did."""
    assert "Created series “working-with-victims-and-survivors-of-csam”" in _import(SEED_FILE)
    assert "is unchanged" in _import(SEED_FILE)
    document = json.loads(SEED_FILE.read_text())
    document["series"]["summary"] = "A new summary."
    assert "Updated series" in _import(_write(tmp_path, document))
    assert Series.objects.get().summary == "A new summary."


def test_reimport_that_moves_a_component_and_renames_a_module_keeps_rows_and_progress(
    seed, learner, tmp_path
):
    """Same primary keys after the update, so the learner's completion still counts."""
    reading = Component.objects.get(slug="reading-language-csa-csam-and-choice-consent-control")
    services.enrollment_create(user=learner, series=seed)
    services.advisory_acknowledge(user=learner, module=reading.module)
    services.progress_start(user=learner, component=reading)
    services.progress_record(user=learner, component=reading)
    modules = dict(Module.objects.values_list("slug", "pk"))
    components = dict(Component.objects.values_list("slug", "pk"))

    document = json.loads(_export(SEED_SLUG))
    first, second = document["series"]["modules"]
    first["components"].reverse()
    second["title"] = "First Contact, Renamed"
    assert "Updated series" in _import(_write(tmp_path, document))

    assert dict(Module.objects.values_list("slug", "pk")) == modules
    assert dict(Component.objects.values_list("slug", "pk")) == components
    reading.refresh_from_db()
    assert reading.position == 1
    assert Component.objects.get(slug=first["components"][1]["slug"]).position == 2
    assert Module.objects.get(slug=second["slug"]).title == "First Contact, Renamed"
    progress = Progress.objects.get(enrollment__user=learner)
    assert progress.component_id == reading.pk
    assert progress.is_complete
    assert _export(SEED_SLUG) == json.dumps(document, ensure_ascii=False, indent=2) + "\n"


def _component(i: int, j: int) -> Callable[[dict], dict]:
    return lambda d: d["series"]["modules"][i]["components"][j]


BAD_DOCUMENTS: list[tuple[str, Callable[[dict], None], str]] = [
    ("wrong format", lambda d: d.update(format=2), "format: expected 1"),
    ("no series slug", lambda d: d["series"].pop("slug"), "series.slug: missing"),
    (
        "unknown kind",
        lambda d: _component(0, 0)(d).update(kind="game"),
        "series.modules[0].components[0].kind: expected one of",
    ),
    (
        "duplicate module slug",
        lambda d: d["series"]["modules"][1].update(slug=d["series"]["modules"][0]["slug"]),
        "series.modules[1].slug: “understanding-csam-and-its-impacts” appears twice",
    ),
    (
        "prerequisite naming no module",
        lambda d: d["series"]["modules"][1].update(prerequisites=["no-such-module"]),
        "series.modules[1].prerequisites: “no-such-module” is not another module",
    ),
    (
        "unknown resource",
        lambda d: _component(1, 1)(d).update(resource="no-such-resource"),
        "series.modules[1].components[1].resource: no toolkit resource “no-such-resource”",
    ),
    (
        "unknown resource on a reading",
        lambda d: _component(0, 1)(d).update(resource="no-such-resource"),
        "series.modules[0].components[1].resource: no toolkit resource",
    ),
    (
        "video with no duration",
        lambda d: _component(0, 0)(d).pop("duration_seconds"),
        "series.modules[0].components[0].duration_seconds: missing",
    ),
    (
        "video file outside the videos",
        lambda d: _component(0, 0)(d).update(video_file="../../lms/settings/base.py"),
        "series.modules[0].components[0].video_file: expected a bare file name",
    ),
    (
        "negative estimated minutes",
        lambda d: d["series"]["modules"][0].update(estimated_minutes=-5),
        "series.modules[0].estimated_minutes: expected a whole number ≥ 0",
    ),
    (
        "series title too long",
        lambda d: d["series"].update(title="x" * 256),
        "series.title: Ensure this value has at most 255 characters (it has 256).",
    ),
    (
        # Written after the series and the modules: the whole import must roll back.
        "last component title too long",
        lambda d: _component(1, 1)(d).update(title="x" * 256),
        "series.modules[1].components[1].title: Ensure this value has at most 255 characters",
    ),
    (
        "threshold out of range",
        lambda d: _component(1, 0)(d).update(completion_threshold=150),
        "series.modules[1].components[0].completion_threshold:",
    ),
    (
        "null description",
        lambda d: _component(0, 1)(d).update(description=None),
        "series.modules[0].components[1].description: expected str",
    ),
    (
        "non-object module",
        lambda d: d["series"]["modules"].append("a third module"),
        "series.modules[2]: expected an object",
    ),
]


@pytest.mark.parametrize(
    ("mutate", "message"),
    [pytest.param(mutate, message, id=name) for name, mutate, message in BAD_DOCUMENTS],
)
def test_a_bad_file_is_refused_naming_the_field_and_nothing_changes(
    seed, tmp_path, mutate, message
):
    """One line naming the field; the rows, and the existing series' title, are untouched."""
    before, counts = _snapshot(), _counts()
    document = json.loads(_export(SEED_SLUG))
    # A change that would show if anything of the bad file were written.
    document["series"]["title"] = "A title the refused file would have set"
    mutate(document)
    path = _write(tmp_path, document)
    with pytest.raises(CommandError) as refused:
        _import(path)
    assert message in str(refused.value)
    assert "\n" not in str(refused.value)
    assert _counts() == counts
    assert _snapshot() == before
    seed.refresh_from_db()
    assert seed.title == "Working with Victims and Survivors of CSAM for Law Enforcement"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        pytest.param(
            b'{"format": 1,\n  "series": }',
            "not valid JSON: Expecting value at line 2, column 13",
            id="not JSON",
        ),
        pytest.param(b"", "not valid JSON: Expecting value at line 1, column 1", id="empty"),
        pytest.param(b'{"format": 1, "series": "caf\xe9"}', "not UTF-8 (byte 0xe9", id="latin-1"),
        pytest.param(b"[1, 2]", "the file must hold a JSON object", id="not an object"),
        pytest.param(None, "no such file", id="missing file"),
    ],
)
def test_an_unreadable_file_is_refused_and_nothing_changes(seed, tmp_path, content, message):
    """A missing file, bytes that are not UTF-8 or text that is not JSON: one clear line."""
    before = _snapshot()
    path = tmp_path / "bad.json"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(CommandError, match=message.replace("(", r"\(")):
        _import(path)
    assert _snapshot() == before


def test_a_utf8_file_with_a_byte_order_mark_is_read(toolkit, tmp_path):
    """Some editors start UTF-8 files with a byte-order mark; the file is still the series."""
    path = tmp_path / "bom.json"
    path.write_bytes(b"\xef\xbb\xbf" + SEED_FILE.read_bytes())
    assert "Created series" in _import(path)


def test_a_refused_file_exits_with_status_1_from_the_command_line(
    seed, tmp_path, monkeypatch, capsys
):
    """manage.py import_series prints the reason on standard error and exits non-zero."""
    document = json.loads(_export(SEED_SLUG))
    document["series"]["modules"][0]["estimated_minutes"] = -1
    path = _write(tmp_path, document)
    status, err = _run_from_command_line(monkeypatch, capsys, "import_series", str(path))
    assert status == 1
    assert "series.modules[0].estimated_minutes" in err
    assert Module.objects.get(slug="understanding-csam-and-its-impacts").estimated_minutes == 40


def test_series_export_is_the_document_the_command_prints(seed):
    """The service and the command agree."""
    assert json.loads(_export(SEED_SLUG)) == series_export(series=seed)


def test_quizzes_surveys_and_certificates_round_trip(series, tmp_path):
    """Questions, choices, pass marks, attempts, shuffle, anonymity and certificate settings
    survive export → import into an empty database → export, byte for byte."""
    module = Module.objects.get(slug="understanding")
    factories.quiz(module, slug="check", position=5, pass_mark=75, max_attempts=3, shuffle=True)
    factories.survey(module, slug="evaluation", position=6, anonymous=True)
    factories.ComponentFactory(
        module=module, slug="certificate", position=7, kind="certificate", required=False,
        certificate_title="Certificate of completion", certificate_signatory="Coordinator",
    )  # fmt: skip
    first = _export(series.slug)
    document = json.loads(first)
    quiz = document["series"]["modules"][0]["components"][2]
    assert (quiz["kind"], quiz["pass_mark"], quiz["max_attempts"], quiz["shuffle"]) == (
        "quiz", 75, 3, True,
    )  # fmt: skip
    assert quiz["questions"][1]["choices"][0] == {"text": "Choice", "correct": True}
    _wipe()
    path = tmp_path / "exported.json"
    path.write_text(first, encoding="utf-8")
    call_command("import_series", str(path), stdout=io.StringIO())
    assert _export(series.slug) == first


def test_archived_content_is_not_exported(series):
    """What authors removed is not content any more."""
    Component.objects.filter(slug="reading").update(archived_at=timezone.now(), position=999_999)
    document = json.loads(_export(series.slug))
    slugs = [c["slug"] for m in document["series"]["modules"] for c in m["components"]]
    assert "reading" not in slugs


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda q: q.pop("pass_mark"), "components[0].pass_mark: missing"),
        (lambda q: q.update(pass_mark=150), "pass_mark: expected a percentage"),
        (lambda q: q["questions"][0].update(kind="likert"), "questions[0].kind: expected one of"),
        (lambda q: q["questions"][0]["choices"].pop(), "at least two"),
        (
            lambda q: q["questions"][0]["choices"][1].update(correct=True),
            "questions[0].choices: a single-choice question needs one correct",
        ),
        (lambda q: q["questions"][1].update(slug="q1"), "questions[1].slug: “q1” appears twice"),
        (lambda q: q["questions"][0].update(text="  "), "questions[0].text: empty"),
    ],
)
def test_bad_quizzes_are_refused_with_the_field_named(change, message):
    """Each refusal names the field; nothing is created."""
    quiz = {
        "slug": "check", "title": "Check", "kind": "quiz", "pass_mark": 80,
        "questions": [
            {"slug": "q1", "kind": "single", "text": "Which?",
             "choices": [{"text": "A", "correct": True}, {"text": "B", "correct": False}]},
            {"slug": "q2", "kind": "multiple", "text": "Which ones?",
             "choices": [{"text": "A", "correct": True}, {"text": "B", "correct": True}]},
        ],
    }  # fmt: skip
    change(quiz)
    document = {
        "format": 1,
        "series": {
            "slug": "bad-quiz", "title": "Bad quiz",
            "modules": [{"slug": "m", "title": "M", "components": [quiz]}],
        },
    }  # fmt: skip
    with pytest.raises(ImportRefused, match=re.escape(message)):
        series_import(document)
    assert not Series.objects.filter(slug="bad-quiz").exists()


def test_a_file_cannot_drop_an_answered_question(enrolled_quiz):
    """Learners' answers point at the question: leaving it out of the file is refused."""
    _series, document = enrolled_quiz
    document["series"]["modules"][0]["components"][-1]["questions"].pop(0)
    with pytest.raises(ImportRefused, match="answered by learners"):
        series_import(document)


@pytest.fixture
def enrolled_quiz(series, learner):
    from courses import quizzes
    from courses import services as course_services

    module = Module.objects.get(slug="understanding")
    quiz = factories.quiz(module, slug="check", position=5)
    course_services.enrollment_create(user=learner, series=series)
    attempt = quizzes.quiz_attempt_start(user=learner, component=quiz)
    answers = {q.pk: [q.choices.first().pk] for q in quiz.questions.all()}
    quizzes.quiz_attempt_submit(user=learner, attempt_id=attempt.pk, answers=answers)
    return series, json.loads(_export(series.slug))


def test_reimport_leaves_archived_content_where_it_is(series):
    """An archived component the file does not name keeps its place out of the live order,
    however often the series is imported; one the file names is live again."""
    from courses.content import ARCHIVED_POSITION

    document = json.loads(_export(series.slug))
    reading = Component.objects.get(slug="reading")
    parked = ARCHIVED_POSITION + reading.pk
    Component.objects.filter(pk=reading.pk).update(archived_at=timezone.now(), position=parked)
    without = json.loads(_export(series.slug))
    for _ in range(3):
        series_import(without)
    reading.refresh_from_db()
    assert (reading.position, reading.archived_at is not None) == (parked, True)
    series_import(document)  # names the reading again
    reading.refresh_from_db()
    assert reading.archived_at is None and reading.position == 2
