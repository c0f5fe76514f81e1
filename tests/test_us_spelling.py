"""User-facing text is in US English (the audience is US agencies): templates, the Python
sources' translatable and displayed strings, and the README's prose. URL paths and names,
template file names, models, fields, stored values and CSV columns keep their names (they are
contracts), so only text a person reads is checked."""

import ast
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
APPS = ["accounts", "audit", "certificates", "courses", "lms", "reminders", "studio"]
APPS += ["supervision", "toolkit"]

BRITISH = re.compile(
    r"\b("
    r"enrol|enrols|enrolment|enrolments|catalogue|catalogues|colour\w*|behaviour\w*|"
    r"organisation\w*|organis(e|ed|es|ing)|licence|centre|centres|favour\w*|programme|"
    r"programmes|cancelled|cancelling|recognis(e|ed|es|ing)|neighbour\w*|judgement|"
    r"analys(e|ed|es|ing)|summaris(e|ed|es|ing)|prioritis(e|ed|es|ing)|authoris(e|ed|es|ing)"
    r")\b",
    re.IGNORECASE,
)
# Names kept as their owners spell them: the demo agency (a DESIGN contract) and outside
# organizations' and documents' own titles.
PROPER_NAMES = re.compile(r"Neighbouring Sheriff's Office|Canadian Centre for Child Protection")

# Calls whose string arguments a person reads: translations, messages, refusals shown as text.
SHOWN_CALLS = {
    "_",
    "gettext",
    "gettext_lazy",
    "ngettext",
    "ngettext_lazy",
    "pgettext",
    "pgettext_lazy",
    "success",
    "info",
    "warning",
    "error",
    "ValidationError",
    "Http404",
    "PermissionDenied",
}


def british_words(text: str) -> list[str]:
    return [m.group(0) for m in BRITISH.finditer(PROPER_NAMES.sub("", text))]


def template_text(source: str) -> str:
    """What a reader of the rendered template sees: text between tags and the attributes
    spoken or shown (labels, titles, placeholders, alternative text), not tags, URLs or
    template code."""
    source = re.sub(r"{% comment %}.*?{% endcomment %}", " ", source, flags=re.S)
    source = re.sub(r"{#.*?#}|{%.*?%}|{{.*?}}", " ", source, flags=re.S)
    shown = re.findall(r'\b(?:aria-label|title|placeholder|alt)="([^"]*)"', source)
    text = re.sub(r"<[^>]*>", " ", source)
    return " ".join([text, *shown])


def _call_name(node: ast.Call) -> str:
    func = node.func
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return ""


def _strings(node: ast.AST) -> Iterator[str]:
    for child in ast.walk(node):
        if isinstance(child, ast.Constant) and isinstance(child.value, str):
            yield child.value


def shown_python_strings(source: str) -> Iterator[str]:
    """String literals passed to translation, message and refusal calls (f-strings' text
    included), and to exceptions named ``…Refused`` (their text is shown to the user)."""
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call):
            name = _call_name(node)
            if name in SHOWN_CALLS or name.endswith("Refused"):
                for arg in [*node.args, *(k.value for k in node.keywords)]:
                    yield from _strings(arg)


def readme_prose(source: str) -> str:
    """The README without its code blocks and code spans (commands, paths, names)."""
    source = re.sub(r"```.*?```", " ", source, flags=re.S)
    return re.sub(r"`[^`\n]*`", " ", source)


def _templates() -> list[Path]:
    return sorted(p for p in (ROOT / "templates").rglob("*") if p.suffix in (".html", ".txt"))


def _python_sources() -> list[Path]:
    return sorted(
        path
        for app in APPS
        for path in (ROOT / app).rglob("*.py")
        if "migrations" not in path.parts
    )


def test_the_detector_finds_british_spellings_and_spares_names_and_code():
    """The checks themselves: they catch a British word, not URL names or proper names."""
    assert british_words("Enrol in the Catalogue; colour; enrolment; cancelled") == [
        "Enrol",
        "Catalogue",
        "colour",
        "enrolment",
        "cancelled",
    ]
    assert british_words("Enroll in the catalog; enrolled; canceled") == []
    assert british_words("Neighbouring Sheriff's Office") == []
    page = template_text(
        '<a href="{% url \'courses:catalogue\' %}" title="Catalogue">Enrol</a>'
        '{# Catalogue #}<form action="/series/x/enrol/">'
    )
    assert british_words(page) == ["Enrol", "Catalogue"]
    code = 'messages.info(request, f"Enrol {x}")\nreverse("courses:series-enrol")\n'
    code += 'raise ProgressRefused("not open for enrolment")\nlabel = _("Colour")'
    assert [w for s in shown_python_strings(code) for w in british_words(s)] == [
        "Enrol",
        "enrolment",
        "Colour",
    ]
    assert british_words(readme_prose("`/series/<slug>/enrol/` and\n```\nenrol\n```\n")) == []


@pytest.mark.parametrize("path", _templates(), ids=lambda p: str(p.relative_to(ROOT)))
def test_templates_use_us_spelling(path):
    """No British spelling in any template's visible text."""
    assert british_words(template_text(path.read_text())) == []


def test_python_shown_strings_use_us_spelling():
    """No British spelling in translatable, message or refusal strings of the apps."""
    found = [
        f"{path.relative_to(ROOT)}: {word}"
        for path in _python_sources()
        for text in shown_python_strings(path.read_text())
        for word in british_words(text)
    ]
    assert found == []


def test_scripts_messages_use_us_spelling():
    """The messages our scripts show (their string literals; comments are not read)."""
    found = [
        f"{path.name}: {word}"
        for path in sorted((ROOT / "static" / "js").glob("*.js"))
        for text in re.findall(r"'([^'\n]*)'|\"([^\"\n]*)\"", path.read_text())
        for word in british_words(" ".join(text))
    ]
    assert found == []


def test_readme_prose_uses_us_spelling():
    """The README's prose is US English too (its commands and paths are left as they are)."""
    assert british_words(readme_prose((ROOT / "README.md").read_text())) == []
