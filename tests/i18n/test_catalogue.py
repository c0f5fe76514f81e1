"""The Spanish catalogue: complete, compiled, and in step with the strings the code marks."""

import shutil
import subprocess
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.core.management import call_command
from django.utils import translation

from tests.conftest import services_required

PO = Path(settings.BASE_DIR) / "locale" / "es" / "LC_MESSAGES" / "django.po"
MO = PO.with_suffix(".mo")
# As `make messages` runs makemessages (Makefile).
IGNORE = ["node_modules", "staticfiles", "bench", "tests", "var"]


def _entries(catalogue: polib._BaseFile) -> dict[tuple[str | None, str], object]:
    return {
        (entry.msgctxt, entry.msgid): entry.msgstr_plural or entry.msgstr
        for entry in catalogue
        # msgfmt leaves an untranslated entry out of the .mo.
        if not entry.obsolete
        and entry.msgid
        and (entry.msgstr or any(entry.msgstr_plural.values()))
    }


def test_every_message_is_translated_and_none_is_fuzzy():
    po = polib.pofile(str(PO))
    assert len(po) > 700
    assert [e.msgid for e in po.untranslated_entries()] == []
    assert [e.msgid for e in po.fuzzy_entries()] == []
    assert [e.msgid for e in po.obsolete_entries()] == []
    assert not po.metadata_is_fuzzy


def test_every_area_of_the_product_is_in_the_catalogue():
    """The learner's pages, the sign-in and account pages, the learner's emails, the supervisor's
    and the studio's pages, and the PDFs have their strings in the catalogue, translated."""
    po = polib.pofile(str(PO))
    files = {path for entry in po for path, _ in entry.occurrences}
    for area in (
        "templates/base.html",
        "templates/courses/home.html",
        "templates/courses/series_detail.html",
        "templates/courses/components/quiz.html",
        "templates/toolkit/index.html",
        "templates/certificates/list.html",
        "templates/reminders/preferences.html",
        "templates/accounts/profile.html",
        "templates/account/login.html",
        "templates/mfa/index.html",
        "templates/emails/reminders/due_soon.txt",
        "templates/emails/reminders/overdue.html",
        "templates/account/email/password_reset_key_message.txt",
        "templates/supervision/dashboard.html",
        "templates/supervision/learners.html",
        "templates/studio/index.html",
        "templates/studio/questions/question_list.html",
        "templates/studio/stats/_quiz.html",
        "templates/certificates/certificate_pdf.html",
        "supervision/views/__init__.py",
        "studio/views/components.py",
        "courses/content.py",
    ):
        assert area in files, area


def test_the_compiled_catalogue_is_the_same_as_the_po_file():
    """The committed .mo says exactly what the .po says (run `make messages` after editing)."""
    assert _entries(polib.mofile(str(MO))) == _entries(polib.pofile(str(PO)))


def test_the_formats_of_every_translation_match_their_messages():
    """msgfmt --check: every %(name)s of a message is in its translation, and the header is
    whole (a wrong placeholder would fail the page that shows it)."""
    msgfmt = shutil.which("msgfmt")
    if msgfmt is None:
        if services_required():
            pytest.fail("msgfmt (gettext) is missing")
        pytest.skip("needs gettext's msgfmt")
    result = subprocess.run(  # noqa: S603 (gettext's msgfmt on our own file)
        [msgfmt, "--check", "--output-file=/dev/null", str(PO)], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr


def test_the_catalogue_holds_every_string_the_code_marks(tmp_path, monkeypatch, settings):
    """makemessages over the sources finds no message the catalogue lacks, and nothing the
    catalogue holds is gone from the sources. It runs on a copy of the catalogue, in a folder
    that links to the project's sources (makemessages writes to the locale folder nearest the
    files it reads)."""
    if shutil.which("xgettext") is None:
        if services_required():
            pytest.fail("xgettext (gettext) is missing")
        pytest.skip("needs gettext's xgettext")
    root = Path(settings.BASE_DIR)
    for source in root.iterdir():
        if source.is_dir() and not source.name.startswith(".") and source.name != "locale":
            (tmp_path / source.name).symlink_to(source)
    target = tmp_path / "locale" / "es" / "LC_MESSAGES"
    target.mkdir(parents=True)
    shutil.copy(PO, target / "django.po")
    settings.LOCALE_PATHS = [tmp_path / "locale"]
    monkeypatch.chdir(tmp_path)
    call_command(
        "makemessages",
        locale=["es"],
        add_location="file",
        ignore_patterns=IGNORE,
        symlinks=True,
        verbosity=0,
    )
    fresh = polib.pofile(str(target / "django.po"))
    known = {(e.msgctxt, e.msgid) for e in polib.pofile(str(PO))}
    missing = [e.msgid for e in fresh if not e.obsolete and (e.msgctxt, e.msgid) not in known]
    gone = [e.msgid for e in fresh.obsolete_entries()]
    assert missing == [], "marked in the code but not in the catalogue: run `make messages`"
    assert gone == [], "in the catalogue but no longer in the code: run `make messages`"
    assert len(fresh) == len(polib.pofile(str(PO)))


@pytest.mark.parametrize(
    ("english", "spanish"),
    [
        ("My training", "Mi formación"),
        ("Child Sexual Abuse Material", "Material de abuso sexual infantil"),
        ("Survivor Care", "Atención a sobrevivientes"),
        (
            "Wellness and survivor care resources",
            "Recursos de bienestar y de atención a sobrevivientes",
        ),
    ],
)
def test_the_catalogue_speaks_the_fields_language(english, spanish):
    with translation.override("es"):
        assert translation.gettext(english) == spanish
