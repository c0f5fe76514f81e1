"""Read a request's JSON body within bounds: size, nesting depth and the size of its numbers.

Python's ``json`` has no depth limit (deep nesting raises ``RecursionError`` inside the parser),
turns ``1e400`` into ``inf`` and builds integers of thousands of digits that later overflow a
``float()`` or the database. Every JSON endpoint reads its body here, so each of those is a 400
with a message instead of a 500.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

from django.core.exceptions import BadRequest
from django.http import HttpRequest
from django.utils.translation import gettext

DEFAULT_MAX_BYTES = 64 * 1024
DEFAULT_MAX_DEPTH = 8
# 18 digits (and a sign) fit a 64-bit integer: every id and every number of seconds we store.
MAX_INT_DIGITS = 18

# The characters that open or close a level, a string, or an escape inside a string.
_STRUCTURE = re.compile(r'[\[\]{}"\\]')


class JsonBodyRefused(BadRequest):
    """The body is not JSON this endpoint will read; the message says why. A ``BadRequest``, so
    even where a view does not catch it the answer is a 400. The message is in the request's
    language: the video page's script shows a progress report's refusal to the learner."""


def _too_big(max_bytes: int) -> str:
    return gettext("The request body is larger than %(bytes)s bytes.") % {"bytes": max_bytes}


def parse_json_body(
    request: HttpRequest,
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    max_depth: int = DEFAULT_MAX_DEPTH,
    empty: Any = None,
) -> Any:
    """The parsed body, or ``JsonBodyRefused``.

    Guarantees: the body is at most ``max_bytes`` (checked from Content-Length before it is
    read), nests at most ``max_depth`` arrays and objects, and holds only finite floats and
    integers of at most 18 digits. An empty body gives ``empty``.
    """
    declared = request.META.get("CONTENT_LENGTH") or "0"
    try:
        too_big = int(declared) > max_bytes
    except ValueError:
        too_big = False  # Django reads a malformed length as 0
    if too_big:
        raise JsonBodyRefused(_too_big(max_bytes))
    body = request.body
    if len(body) > max_bytes:
        raise JsonBodyRefused(_too_big(max_bytes))
    if not body.strip():
        return empty
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise JsonBodyRefused(gettext("The request body is not UTF-8 text.")) from exc
    return parse_json_text(text, max_bytes=max_bytes, max_depth=max_depth)


def parse_json_text(
    text: str, *, max_bytes: int = DEFAULT_MAX_BYTES, max_depth: int = DEFAULT_MAX_DEPTH
) -> Any:
    """``text`` parsed within the same bounds as a body (a form field holding JSON, say), or
    ``JsonBodyRefused``."""
    if len(text) > max_bytes:
        raise JsonBodyRefused(_too_big(max_bytes))
    _check_depth(text, max_depth)
    try:
        return json.loads(
            text, parse_int=_parse_int, parse_float=_parse_float, parse_constant=_refuse_constant
        )
    except JsonBodyRefused:
        raise
    except (ValueError, RecursionError) as exc:
        raise JsonBodyRefused(gettext("The request body is not valid JSON.")) from exc


def _check_depth(text: str, max_depth: int) -> None:
    """Refuse nesting deeper than ``max_depth`` before the recursive parser sees it. One linear
    pass over the structural characters; brackets inside strings do not count."""
    depth = 0
    in_string = False
    escaped_at = -1
    for match in _STRUCTURE.finditer(text):
        char, at = match.group(), match.start()
        if in_string:
            if at == escaped_at:
                continue
            if char == "\\":
                escaped_at = at + 1
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            if depth > max_depth:
                raise JsonBodyRefused(
                    gettext("The request body nests deeper than %(levels)s levels.")
                    % {"levels": max_depth}
                )
        elif char in "]}":
            depth -= 1


def _parse_int(digits: str) -> int:
    if len(digits.lstrip("-")) > MAX_INT_DIGITS:
        raise JsonBodyRefused(gettext("A number in the request body is out of range."))
    return int(digits)


def _parse_float(literal: str) -> float:
    value = float(literal)
    if not math.isfinite(value):
        raise JsonBodyRefused(gettext("A number in the request body is out of range."))
    return value


def _refuse_constant(name: str) -> float:
    raise JsonBodyRefused(gettext("%(name)s is not a number this site accepts.") % {"name": name})
