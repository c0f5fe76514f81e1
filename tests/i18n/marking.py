"""Finds the user-facing text that is not marked for translation: bare words in templates, and
messages in Python handed to a person without gettext. Used by test_marked.py."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path

from django.template.base import Lexer, TokenType

WORD = re.compile(r"[A-Za-z]{2,}")
# Attributes a person reads or hears (a button's value only on <input>: a <button>'s value is
# what the form posts).
READ_ATTRIBUTES = frozenset(
    {"title", "aria-label", "aria-description", "aria-roledescription", "placeholder", "alt"}
)
# Blocks whose text is not shown as it stands: translated, a comment, or left verbatim.
SKIPPED_BLOCKS = {
    "blocktranslate": "endblocktranslate",
    "blocktrans": "endblocktrans",
    "comment": "endcomment",
    "verbatim": "endverbatim",
}


def _flatten(source: str) -> str:
    """The template's text with its tags taken out: a variable becomes "0" (shown, but not
    words to translate), a tag a space, and a translated block nothing at all."""
    out: list[str] = []
    closing: str | None = None
    for token in Lexer(source).tokenize():
        if closing is not None:
            if token.token_type == TokenType.BLOCK and token.split_contents()[0] == closing:
                closing = None
                out.append(" ")
            continue
        if token.token_type == TokenType.TEXT:
            out.append(token.contents)
        elif token.token_type == TokenType.BLOCK:
            closing = SKIPPED_BLOCKS.get(token.split_contents()[0])
            out.append(" ")
        elif token.token_type == TokenType.VAR:
            out.append("0")
    return "".join(out)


class _BareText(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self._raw: list[str] = []  # open <script> and <style> elements

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style"):
            self._raw.append(tag)
        kind = dict(attrs).get("type")
        for name, value in attrs:
            read = name in READ_ATTRIBUTES or (
                name == "value" and tag == "input" and kind in ("submit", "button", "reset")
            )
            if read and value and WORD.search(value):
                self.found.append(f"{name}={value!r}")

    def handle_endtag(self, tag: str) -> None:
        if self._raw and self._raw[-1] == tag:
            self._raw.pop()

    def handle_data(self, data: str) -> None:
        text = " ".join(data.split())
        if not self._raw and WORD.search(text):
            self.found.append(text)


def bare_template_text(source: str) -> list[str]:
    """The words of a template shown to a person outside {% translate %} and
    {% blocktranslate %}: text between tags, and the attributes a person reads."""
    parser = _BareText()
    parser.feed(_flatten(source))
    parser.close()
    return parser.found


# Python: calls that hand their text to a person.
MESSAGE_LEVELS = frozenset({"debug", "info", "success", "warning", "error", "add_message"})
SHOWN_KEYWORDS = frozenset(
    {"label", "help_text", "verbose_name", "verbose_name_plural", "empty_label", "description"}
)
REFUSALS = ("Refused", "Required", "PermissionDenied", "ValidationError")
# Refusals of the command-line tools (import_series, export_series): English, as Django's own
# commands speak.
COMMAND_LINE_REFUSALS = frozenset({"ImportRefused", "ExportRefused"})


def _is_text(node: ast.expr) -> bool:
    """A literal with words in it, an f-string, or one formatted with % or .format()."""
    if isinstance(node, ast.Constant):
        return isinstance(node.value, str) and bool(WORD.search(node.value))
    if isinstance(node, ast.JoinedStr):
        return True
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mod | ast.Add):
        return _is_text(node.left)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
        return node.func.attr == "format" and _is_text(node.func.value)
    return False


def _name(node: ast.expr) -> str:
    if isinstance(node, ast.Attribute):
        return node.attr
    return node.id if isinstance(node, ast.Name) else ""


def _shown(call: ast.Call) -> Iterator[ast.expr]:
    """The arguments of the call that a person reads."""
    name = _name(call.func)
    func = call.func
    if (
        name in MESSAGE_LEVELS
        and isinstance(func, ast.Attribute)
        and _name(func.value) == "messages"
    ):
        yield from call.args[1:2]
    if name.endswith(REFUSALS) and name not in COMMAND_LINE_REFUSALS:
        yield from call.args[:1]
    if name in ("add_error", "message_user"):
        yield from call.args[1:2]
    for keyword in call.keywords:
        if keyword.arg in SHOWN_KEYWORDS:
            yield keyword.value
        if keyword.arg in ("message", "error_messages"):
            value = keyword.value
            yield from value.values if isinstance(value, ast.Dict) else [value]  # type: ignore[misc]


def unmarked_python_messages(source: str) -> list[str]:
    """Messages in the module handed to a person as bare strings (not through gettext)."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call):
            found += [f"{node.lineno}: {ast.unparse(arg)}" for arg in _shown(node) if _is_text(arg)]
        elif isinstance(node, ast.ClassDef) and any(
            _name(base).endswith("Choices") for base in node.bases
        ):
            for statement in node.body:
                value = getattr(statement, "value", None)
                if (
                    isinstance(value, ast.Tuple)
                    and len(value.elts) > 1
                    and _is_text(value.elts[-1])
                ):
                    found.append(f"{statement.lineno}: {ast.unparse(value.elts[-1])}")
    return found


def templates(root: Path) -> Iterator[Path]:
    for path in sorted((root / "templates").rglob("*")):
        if path.is_file() and path.suffix in (".html", ".txt", ".ics", ".xml"):
            yield path


def python_modules(root: Path, packages: tuple[str, ...]) -> Iterator[Path]:
    for package in packages:
        for path in sorted((root / package).rglob("*.py")):
            if "migrations" not in path.parts:
                yield path
