"""Every user-facing string is marked for translation (issue 12): no template shows bare words,
and no Python message reaches a person without gettext."""

from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings

from tests.i18n.marking import (
    bare_template_text,
    python_modules,
    templates,
    unmarked_python_messages,
)

ROOT = Path(settings.BASE_DIR)
# The project's package and every app of ours (not Django's nor allauth's).
PACKAGES = (
    "lms",
    *sorted(
        app.name.split(".")[0]
        for app in apps.get_app_configs()
        if Path(app.path).is_relative_to(ROOT) and ".venv" not in Path(app.path).parts
    ),
)
# Text that stays English, and why.
NOT_FOR_PEOPLE = {
    # Markup only: allauth's button element, whose tag name is itself a template variable.
    "templates/allauth/elements/button.html",
}
# Command-line tools speak English, as Django's own commands do: the series import and export
# (run by an administrator on the server) and every management command.
COMMAND_LINE = ("courses/importing.py", "courses/exporting.py", "/management/commands/")


@pytest.mark.parametrize(
    ("source", "bare"),
    [
        ("{% load i18n %}<p>{% translate 'Saved.' %}</p>", []),
        ("<p>Saved.</p>", ["Saved."]),
        ("<p>{{ count }} of {{ total }}</p>", ["0 of 0"]),
        ("<p>{{ count }} · {{ total }}%</p>", []),
        ("<p>{% blocktranslate trimmed %}Hello {{ name }}{% endblocktranslate %}</p>", []),
        ("<button aria-label='Move up'>↑</button>", ["aria-label='Move up'"]),
        ("<button name='direction' value='up'>↑</button>", []),
        ("<input type='submit' value='Revoke'>", ["value='Revoke'"]),
        ("<img alt='{{ label }}' src='x.png'>", []),
        ("<tr{% if hot %} class='warm'{% endif %}><td>{{ x }}</td></tr>", []),
        ("<script>const word = 'hidden';</script><style>p{color:red}</style>", []),
        ("{% comment %}Notes for authors{% endcomment %}", []),
        ("{% if n %}No learner yet.{% endif %}", ["No learner yet."]),
        ("<svg><title>Scores of attempts</title></svg>", ["Scores of attempts"]),
    ],
)
def test_the_template_scan_finds_bare_words_and_nothing_else(source, bare):
    assert bare_template_text(source) == bare


@pytest.mark.parametrize(
    ("source", "unmarked"),
    [
        ("messages.success(request, _('Saved.'))", []),
        ("messages.success(request, 'Saved.')", ["1: 'Saved.'"]),
        ("messages.error(request, f'{n} left.')", ["1: f'{n} left.'"]),
        ("messages.info(request, str(refusal))", []),
        ("raise ProgressRefused('Enroll first.')", ["1: 'Enroll first.'"]),
        ("raise PermissionDenied(gettext('Only authors.'))", []),
        ("raise ImportRefused('series.title: missing')", []),
        ("raise ValidationError('Too long: %s' % n)", ["1: 'Too long: %s' % n"]),
        ("form.add_error('code', 'Wrong code.')", ["1: 'Wrong code.'"]),
        ("form.add_error(None, str(refusal))", []),
        ("self.message_user(request, f'Revoked {n}.')", ["1: f'Revoked {n}.'"]),
        ("forms.CharField(label='Name', help_text=_('As printed.'))", ["1: 'Name'"]),
        ("forms.CharField(error_messages={'required': 'Give it.'})", ["1: 'Give it.'"]),
        ("class Kind(models.TextChoices):\n    VIDEO = 'video', 'Video'", ["2: 'Video'"]),
        ("class Kind(models.TextChoices):\n    VIDEO = 'video', _('Video')", []),
        ("log.info('Sent %s', n)", []),
        ("messages.success(request, 'x')", []),
    ],
)
def test_the_python_scan_finds_bare_messages_and_nothing_else(source, unmarked):
    assert unmarked_python_messages(source) == unmarked


def test_no_template_shows_words_outside_translate_tags():
    bare = {}
    for path in templates(ROOT):
        name = str(path.relative_to(ROOT))
        if name not in NOT_FOR_PEOPLE and (found := bare_template_text(path.read_text())):
            bare[name] = found
    assert bare == {}


def test_no_python_message_reaches_a_person_without_gettext():
    unmarked = {}
    for path in python_modules(ROOT, PACKAGES):
        name = str(path.relative_to(ROOT))
        if any(part in f"/{name}" for part in COMMAND_LINE):
            continue
        if found := unmarked_python_messages(path.read_text()):
            unmarked[name] = found
    assert unmarked == {}


def test_the_scans_cover_the_product():
    """The scans read every template and module (a moved folder would not pass unseen)."""
    assert len(list(templates(ROOT))) > 140
    assert len(list(python_modules(ROOT, PACKAGES))) > 150
    assert {"accounts", "courses", "studio", "supervision", "certificates"} <= set(PACKAGES)
