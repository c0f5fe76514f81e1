"""Hypothesis strategies for hostile input: text, numbers, dates, files, and whole request
bodies (form-encoded, multipart, JSON, junk) built from the fields a form really has.

A form's fields are read from the page that shows it (``FieldSpec.from_form``), so a field added
to a form is fuzzed without anyone listing it. Each example picks how hostile it is: every field
valid (what the page would send, or an extreme the field itself accepts), one field bad, some,
or all; a bad field is a hostile value, a value of the wrong kind, missing, or repeated.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any
from urllib.parse import quote, urlencode

from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator
from hypothesis import strategies as st


def weighted(*options: tuple[int, st.SearchStrategy[Any]]) -> st.SearchStrategy[Any]:
    """``st.one_of`` with weights: each strategy drawn ``weight`` times in ``sum`` (repeating a
    strategy inside ``st.one_of`` does not weigh it: the same object counts once). Shrinks
    toward the first."""
    pool = [strategy for weight, strategy in options for _ in range(weight)]
    return st.sampled_from(pool).flatmap(lambda strategy: strategy)


# --- Values -------------------------------------------------------------------------------

SPECIAL_TEXT = (
    "",
    " ",
    "\t\r\n ",
    "\x00",
    "a\x00b",
    "\x00" * 8,
    "\u202eevil\u202c",  # right-to-left override
    "\u200f\u05e9\u05dc\u05d5\u05dd",  # right-to-left mark and Hebrew
    "مرحبا بالعالم",
    "Z\u0351\u0348\u036b\u0327a\u0337\u0310l\u0335g\u0363o",  # stacked combining marks
    "e\u0301" * 120,
    "\U0001f46e\u200d\u2640\ufe0f",  # emoji joined with a zero-width joiner
    "\U00010348\U0001d11e\U000e0001\U0010fffd",  # astral characters
    "\ufeff",
    "\uffff",
    "\ufffd",
    "\u2028\u2029\x85\x0b\x0c",  # line and paragraph separators
    "<script>alert(1)</script>",
    "\"'><img src=x onerror=alert(1)>",
    "'; DROP TABLE courses_series; --",
    "%00",
    "%s%s%n{0}",
    "{{ 7|add:7 }}{% now 'Y' %}",
    "../../../../etc/passwd",
    "..\\..\\windows\\win.ini",
    '=HYPERLINK("http://evil.example")',
    "@SUM(1+1)",
    "null",
    "None",
    "[]",
    "{}",
    '{"a": [1, {"b": null}]}',
    "[" * 3000 + "]" * 3000,  # deeper than Python's recursion limit, where JSON is read
    '{"a": ' * 3000 + "1" + "}" * 3000,
)
SPECIAL_NUMBERS = (
    "nan",
    "NaN",
    "-nan",
    "inf",
    "-inf",
    "Infinity",
    "1e309",
    "-1e309",
    "1e-400",
    "1e5",
    "0",
    "-0",
    "00",
    "0x10",
    "1_000",
    " 42 ",
    "\u0664\u0662",  # Arabic-Indic digits: int() reads them
    "\uff14\uff12",  # full-width digits
    "\u00b2",  # superscript two: isdigit() but not int()
    "\u216b",  # Roman numeral twelve
    "2147483647",
    "2147483648",
    "-2147483649",
    "32768",
    "65536",
    "9223372036854775807",
    "9223372036854775808",
    "-9223372036854775809",
    "18446744073709551616",
    "9" * 20,
    "-" + "9" * 20,
    "9" * 400,
    "9" * 5000,
    "1.5",
    "-1",
    "1,5",
    "9999.999",
    "0.001",
    "1e2",
    "sNaN",
)
SPECIAL_DATES = (
    "0001-01-01",
    "9999-12-31",
    "9999-12-30",
    "10000-01-01",
    "0000-00-00",
    "2024-02-30",
    "2023-02-29",
    "2024-13-01",
    "-1-01-01",
    "99999999-01-01",
    "1970-01-01T00:00:00Z",
    "2025-12-31 23:59:59",
    "12/31/2025",
    "31/12/2025",
    "2025-W01",
    "today",
)
SPECIAL_URLS = (
    "javascript:alert(1)",
    "//evil.example/",
    "/\\evil.example",
    "\\\\evil.example",
    "https://evil.example/",
    "http://127.0.0.1:22/",
    "http://169.254.169.254/latest/meta-data/",
    "http://[::1]/",
    "file:///etc/passwd",
    "mailto:someone@example.org",
    "https://xn--e1afmkfd.xn--p1ai/",
    "https://" + "a." * 150 + "example",
    "/agency/learners/",
    "/agency/\\evil.example",
    "/agency//evil.example",
)
SPECIAL_EMAILS = (
    "@",
    "a@b",
    "learner@example.com",
    "LEARNER@EXAMPLE.COM",
    " learner@example.com ",
    "learner@example.com\x00",
    "a@" + "b" * 300 + ".com",
    "\u202eelpmaxe@example.com",
    "user@xn--80ak6aa92e.com",
    "user@[127.0.0.1]",
    '"quoted local"@example.com',
)

# Hypothesis' text never contains surrogates (category Cs): every string encodes to UTF-8.
ASTRAL = st.characters(min_codepoint=0x10000, exclude_categories=["Cs", "Co", "Cn"])
CLEAN = st.characters(exclude_categories=["Cs", "Cc"])  # no control characters, no NUL


def long_text() -> st.SearchStrategy[str]:
    """Text past every limit we have: 151 (names), 256, 501 (choices), 5,001 (survey answers),
    70,000 (past the JSON limit) and 200,000 characters."""
    return st.tuples(
        st.sampled_from([151, 256, 501, 5_001, 70_000, 200_000]),
        st.sampled_from(["x", "é", "\U0001d11e", "\u0301", " ", "\x00"]),
    ).map(lambda pair: pair[1] * pair[0])


def hostile_text() -> st.SearchStrategy[str]:
    return st.one_of(
        st.sampled_from(SPECIAL_TEXT),
        st.text(max_size=40),
        st.text(ASTRAL, max_size=8),
        long_text(),
        st.lists(st.sampled_from(SPECIAL_TEXT) | st.text(max_size=4), min_size=2, max_size=4).map(
            "".join
        ),
    )


def hostile_number() -> st.SearchStrategy[str]:
    return st.one_of(
        st.sampled_from(SPECIAL_NUMBERS),
        st.integers().map(str),
        st.integers(min_value=-(2**80), max_value=2**80).map(str),
        st.floats().map(repr),
        st.decimals().map(str),
    )


def hostile_date() -> st.SearchStrategy[str]:
    return st.one_of(st.sampled_from(SPECIAL_DATES), st.dates().map(date.isoformat))


def hostile_value() -> st.SearchStrategy[str]:
    """Anything at all, of any kind: the wrong type for most fields."""
    return st.one_of(
        hostile_text(),
        hostile_number(),
        hostile_date(),
        st.sampled_from(SPECIAL_URLS),
        st.sampled_from(SPECIAL_EMAILS),
    )


# --- Files --------------------------------------------------------------------------------

MP4_HEAD = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom"
WEBM_HEAD = b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01\x42\xf7\x81\x01"


@dataclass(frozen=True)
class Upload:
    """A file part of a multipart body."""

    filename: str
    content: bytes
    content_type: str = "application/octet-stream"

    def __repr__(self) -> str:  # keep failing examples readable
        return f"Upload({self.filename[:60]!r}, {len(self.content)} bytes, {self.content_type!r})"


def uploads(*, valid: bool) -> st.SearchStrategy[Upload]:
    """Video uploads: ``valid`` ones carry a real signature under a real suffix; the others are
    junk bytes, HTML, empty files and hostile names."""
    good = st.builds(
        Upload,
        st.sampled_from(["clip.mp4", "clip.webm", "CLIP.MP4", "видео.webm", "\U0001d11e.mp4"]),
        st.tuples(st.sampled_from([MP4_HEAD, WEBM_HEAD]), st.binary(max_size=32)).map(
            lambda pair: pair[0] + pair[1]
        ),
        st.sampled_from(["video/mp4", "video/webm", "application/octet-stream"]),
    ).filter(lambda u: (u.filename.lower().endswith(".mp4")) == u.content.startswith(MP4_HEAD))
    if valid:
        return good
    names = st.one_of(
        st.sampled_from(
            [
                "clip.mp4",
                "clip.webm",
                "page.html",
                "clip.mp4.html",
                "../../escape.mp4",
                "..\\..\\escape.webm",
                "x" * 300 + ".mp4",
                "noextension",
                ".mp4",
                "cl\x00ip.mp4",
                "\u202e4pm.exe",
                "",
            ]
        ),
        st.text(max_size=20).map(lambda s: s + ".mp4"),
    )
    contents = st.one_of(
        st.binary(max_size=64),
        st.just(b""),
        st.just(b"<!doctype html><script>alert(document.cookie)</script>"),
        st.binary(max_size=16).map(lambda junk: MP4_HEAD[:6] + junk),
        st.just(WEBM_HEAD),
    )
    return st.builds(
        Upload, names, contents, st.sampled_from(["video/mp4", "text/html", "", "x/\x00"])
    )


# --- Form fields, read from the form a page shows -----------------------------------------

Value = str | bytes | Upload
Pairs = list[tuple[str, Value]]


@dataclass(frozen=True)
class FieldSpec:
    """One field of a form as a browser sends it: its name in the body, what kind of value it
    takes, the values the page itself would send (``current``) and its bounds."""

    name: str
    kind: str  # text, int, decimal, float, date, bool, choice, multichoice, email, url, file
    current: tuple[str, ...] = ()
    choices: tuple[str, ...] = ()
    required: bool = False
    min_value: Any = None
    max_value: Any = None
    max_length: int | None = None
    max_digits: int | None = None
    decimal_places: int | None = None
    hidden: bool = False  # a hidden input: the page's own value is the only valid one
    mostly_as_shown: bool = False  # valid is mostly what the page shows (a blank extra row)
    valid: st.SearchStrategy[str] | None = field(default=None, compare=False)  # overrides

    @classmethod
    def from_form(cls, form: forms.BaseForm) -> list[FieldSpec]:
        model = getattr(getattr(form, "_meta", None), "model", None)
        specs = []
        for bound in form:
            spec = cls.from_bound_field(bound)
            if model is not None:
                spec = spec.within(_model_validators(model, bound.name))
            specs.append(spec)
        return specs

    @classmethod
    def from_formset(cls, formset: forms.BaseFormSet) -> list[FieldSpec]:
        specs = cls.from_form(formset.management_form)
        editing = formset.initial_form_count() > 0
        for index, form in enumerate(formset.forms):
            # Editing, a blank row the page adds for more is skipped if left blank: mostly so.
            blank_row = editing and index >= formset.initial_form_count()
            specs.extend(spec.but(mostly_as_shown=blank_row) for spec in cls.from_form(form))
        return specs

    @classmethod
    def from_bound_field(cls, bound: forms.BoundField) -> FieldSpec:
        f = bound.field
        kind = _kind_of(f)
        choices: tuple[str, ...] = ()
        if isinstance(f, forms.ChoiceField | forms.ModelChoiceField):
            choices = tuple(
                str(value) for value, _label in list(f.choices)[:40] if str(value) != ""
            )
        bounds = _bounds(f)
        return cls(
            name=bound.html_name,
            kind=kind,
            current=_as_strings(bound.value()) if kind != "file" else (),
            choices=choices,
            required=f.required,
            min_value=bounds[0],
            max_value=bounds[1],
            max_length=getattr(f, "max_length", None),
            max_digits=getattr(f, "max_digits", None),
            decimal_places=getattr(f, "decimal_places", None),
            hidden=bound.is_hidden,
        )

    def within(self, validators: list) -> FieldSpec:
        """Narrowed to the bounds the model's own validators add (a ModelForm checks them only
        in the model's clean, so the form field does not carry them)."""
        low, high = _bounds_of(validators)
        if low is not None and (self.min_value is None or low > self.min_value):
            self = self.but(min_value=low)
        if high is not None and (self.max_value is None or high < self.max_value):
            self = self.but(max_value=high)
        return self

    def but(self, **changes: Any) -> FieldSpec:
        values = {name: getattr(self, name) for name in self.__dataclass_fields__}
        return FieldSpec(**{**values, **changes})


def _kind_of(f: forms.Field) -> str:
    if isinstance(f, forms.BooleanField | forms.NullBooleanField):
        return "bool"
    if isinstance(f, forms.ModelMultipleChoiceField | forms.MultipleChoiceField):
        return "multichoice"
    if isinstance(f, forms.ChoiceField | forms.ModelChoiceField):
        return "choice"
    if isinstance(f, forms.FileField):
        return "file"
    if isinstance(f, forms.DecimalField):
        return "decimal"
    if isinstance(f, forms.FloatField):
        return "float"
    if isinstance(f, forms.IntegerField):
        return "int"
    if isinstance(f, forms.DateTimeField):
        return "datetime"
    if isinstance(f, forms.DateField):
        return "date"
    if isinstance(f, forms.EmailField):
        return "email"
    if isinstance(f, forms.URLField):
        return "url"
    if isinstance(f, forms.SlugField):
        return "slug"
    return "text"


def _model_validators(model: type, name: str) -> list:
    try:
        return list(model._meta.get_field(name).validators)
    except Exception:  # a form field with no model field of that name
        return []


def _bounds(f: forms.Field) -> tuple[Any, Any]:
    return _bounds_of(f.validators)


def _bounds_of(validators: list) -> tuple[Any, Any]:
    low = high = None
    for validator in validators:
        if isinstance(validator, MinValueValidator):
            low = validator.limit_value if low is None else max(low, validator.limit_value)
        if isinstance(validator, MaxValueValidator):
            high = validator.limit_value if high is None else min(high, validator.limit_value)
    return low, high


def _as_strings(value: Any) -> tuple[str, ...]:
    """What a browser sends for a field showing ``value``."""
    if value is None or value is False:
        return ()
    if value is True:
        return ("on",)
    if isinstance(value, list | tuple):
        return tuple(s for item in value for s in _as_strings(item))
    if isinstance(value, date):
        return (value.isoformat(),)
    return (str(value),)


def valid_values(spec: FieldSpec) -> st.SearchStrategy[list[Value]]:
    """Values the field itself accepts, extremes included (the service behind it may not)."""
    if spec.valid is not None:
        return spec.valid.map(lambda v: [v])
    if spec.hidden:  # a formset's counts, a row's id, the parent's key: as the page sent them
        return st.just(list(spec.current))
    if spec.mostly_as_shown:
        return weighted(
            (3, st.just(list(spec.current))), (1, valid_values(spec.but(mostly_as_shown=False)))
        )
    options: list[st.SearchStrategy[list[Value]]] = []
    if spec.current and not (spec.required and not any(spec.current)):  # a blank form's ""
        options.append(st.just(list(spec.current)))
    kind = spec.kind
    if kind == "bool":  # ticked as shown three times in four (a DELETE box stays unticked)
        options.append(st.sampled_from([list(spec.current)] * 3 + [[] if spec.current else ["on"]]))
    elif kind == "choice":
        if spec.choices:
            options.append(st.sampled_from(spec.choices).map(lambda v: [v]))
    elif kind == "multichoice":
        at_least = 1 if spec.required and spec.choices else 0
        options.append(
            st.lists(
                st.sampled_from(spec.choices or ("",)), unique=True, min_size=at_least, max_size=4
            )
        )
    elif kind == "int":
        # Within the field's bounds; an unbounded field's huge numbers are in hostile_values.
        low = spec.min_value if spec.min_value is not None else 0
        high = spec.max_value if spec.max_value is not None else low + 1000
        options.append(
            st.one_of(st.sampled_from([low, high]), st.integers(low, high)).map(lambda n: [str(n)])
        )
    elif kind in ("decimal", "float"):
        places = spec.decimal_places if spec.decimal_places is not None else 2
        digits = spec.max_digits or 8
        largest = Decimal(10) ** (digits - places) - Decimal(10) ** -places
        low = Decimal(str(spec.min_value)) if spec.min_value is not None else -largest
        high = min(Decimal(str(spec.max_value)), largest) if spec.max_value is not None else largest
        options.append(
            st.one_of(
                st.decimals(min_value=low, max_value=high, places=places, allow_nan=False),
                st.sampled_from([low, high]),
            ).map(lambda d: [str(d)])
        )
    elif kind == "date":
        today = date.today()
        options.append(
            st.one_of(
                st.dates(today - timedelta(days=800), today + timedelta(days=800)),
                st.dates(),
                st.sampled_from([date.min, date.max, today]),
            ).map(lambda d: [d.isoformat()])
        )
    elif kind == "datetime":
        options.append(st.datetimes().map(lambda d: [d.isoformat(sep=" ")]))
    elif kind == "email":
        options.append(st.emails().map(lambda e: [e]))
    elif kind == "url":
        options.append(
            st.sampled_from(
                [
                    "https://www.example.org/resource",
                    "www.example.org/page?x=1#y",
                    "https://example.org/" + "p" * 400,
                    "http://example.org/\u00e9t\u00e9",
                    "https://xn--e1afmkfd.xn--p1ai/",
                ]
            ).map(lambda v: [v])
        )
    elif kind == "file":
        options.append(uploads(valid=True).map(lambda u: [u]))
    elif kind == "slug":
        size = min(spec.max_length or 50, 50)
        slugs = st.from_regex(rf"[a-z0-9][a-z0-9-]{{0,{size - 1}}}", fullmatch=True)
        options.append(
            (slugs if spec.required else st.one_of(st.just(""), slugs)).map(lambda v: [v])
        )
    else:  # text
        size = spec.max_length or 2000
        at_least = 1 if spec.required else 0
        visible = st.text(CLEAN, min_size=at_least, max_size=min(size, 60))
        options.append(
            st.one_of(
                visible.filter(lambda v: v.strip()) if spec.required else visible,
                st.text(ASTRAL, min_size=max(at_least, 1), max_size=min(size, 8)),
                st.sampled_from(
                    ["Plain words", "O\u2019Brien \u2013 Dept. #4", "\u05e9\u05dc\u05d5\u05dd"]
                ),
                st.just("\U0001d11e" * size),  # the limit exactly, in astral characters
                st.just("  padded\u00a0  "),
            ).map(lambda v: [v])
        )
    return st.one_of(options) if options else st.just([])


def hostile_values(spec: FieldSpec) -> st.SearchStrategy[list[Value]]:
    """Values of the field's kind that it should refuse, or of another kind."""
    kind = spec.kind
    own: st.SearchStrategy[str]
    if kind in ("int", "decimal", "float"):
        own = hostile_number()
    elif kind in ("date", "datetime"):
        own = hostile_date()
    elif kind == "url":
        own = st.sampled_from(SPECIAL_URLS)
    elif kind == "email":
        own = st.sampled_from(SPECIAL_EMAILS)
    elif kind in ("choice", "multichoice"):
        own = st.one_of(
            st.sampled_from(spec.choices or ("x",)).map(lambda c: c + "\x00"),
            st.sampled_from(spec.choices or ("x",)).map(str.upper),
            hostile_number(),
        )
    else:
        own = hostile_text()
    single = st.one_of(own, hostile_value()).map(lambda v: [v])
    if kind == "file":
        return st.one_of(uploads(valid=False).map(lambda u: [u]), single)
    return single


@st.composite
def field_values(draw: st.DrawFn, spec: FieldSpec, *, hostile: bool) -> Pairs:
    """The (name, value) pairs one field contributes: none (missing), one, or several
    (a repeated key where one value is expected)."""
    if not hostile:
        return [(spec.name, v) for v in draw(valid_values(spec))]
    how = draw(st.sampled_from(["value", "value", "value", "missing", "repeated", "empty"]))
    if how == "missing":
        return []
    if how == "empty":
        return [(spec.name, "")]
    if how == "repeated":
        parts = draw(
            st.lists(st.one_of(valid_values(spec), hostile_values(spec)), min_size=2, max_size=4)
        )
        return [(spec.name, v) for values in parts for v in (values or [""])]
    return [(spec.name, v) for v in draw(hostile_values(spec))]


# Names a form does not have, but an attacker would try: mass assignment and confusion.
EXTRA_NAMES = (
    "is_staff",
    "is_superuser",
    "email",
    "user",
    "user_id",
    "agency",
    "id",
    "pk",
    "status",
    "version",
    "position",
    "archived_at",
    "created_by",
    "completed_at",
    "percent_complete",
    "next",
    "csrfmiddlewaretoken",
    "__proto__",
    "form-TOTAL_FORMS",
)


# Free-text fields: where a valid submission can still carry a NUL byte or tricky unicode.
FREE_TEXT = frozenset({"text"})
ALL_KINDS = frozenset(
    {"text", "slug", "email", "url", "int", "decimal", "float", "date", "datetime", "bool"}
    | {"choice", "multichoice"}
)
POISONS = (
    "\x00",
    "\u202e",  # right-to-left override
    "\u0301\u0301\u0301",  # combining marks with nothing to combine with
    "\U0001d11e",  # astral
    "\ufeff",  # byte order mark
    "\u200d",  # zero-width joiner
)


@st.composite
def poisoned(draw: st.DrawFn, values: list[Value], *, poison: str) -> list[Value]:
    """``values`` with ``poison`` put in each text at a drawn place."""
    result: list[Value] = []
    for value in values:
        if isinstance(value, str):
            at = draw(st.integers(0, len(value)))
            value = value[:at] + poison + value[at:]
        result.append(value)
    return result


@st.composite
def form_pairs(
    draw: st.DrawFn,
    specs: Sequence[FieldSpec],
    *,
    extra_names: Iterable[str] = (),
    poison_kinds: frozenset[str] = FREE_TEXT,
    modes: Sequence[str] = ("valid", "valid", "valid", "poisoned", "one", "some", "all"),
) -> Pairs:
    """A whole form submission: every field valid; valid but every free text carrying a NUL
    byte or tricky unicode (PostgreSQL refuses NUL in text where SQLite keeps it); one field
    bad, some, or all. Sometimes with fields the form does not have."""
    mode = draw(st.sampled_from(modes))
    bad_index = draw(st.integers(0, max(0, len(specs) - 1))) if mode == "one" else -1
    poison = draw(st.sampled_from(POISONS[:1] * 5 + POISONS[1:])) if mode == "poisoned" else ""
    pairs: Pairs = []
    for index, spec in enumerate(specs):
        hostile = (
            mode == "all"
            or (mode == "one" and index == bad_index)
            or (mode == "some" and draw(st.booleans()))
        )
        if poison and spec.kind in poison_kinds:
            values = draw(poisoned(draw(valid_values(spec)), poison=poison))
            pairs.extend((spec.name, v) for v in values)
            continue
        pairs.extend(draw(field_values(spec, hostile=hostile)))
    if draw(st.integers(0, 3)) == 0:
        names = st.one_of(st.sampled_from((*EXTRA_NAMES, *extra_names)), st.text(max_size=12))
        for name in draw(st.lists(names, min_size=1, max_size=3)):
            pairs.append((name, draw(hostile_value() | st.sampled_from(["on", "1", "true"]))))
    return pairs


# --- Bodies --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Body:
    """A request body as a client sends it."""

    content: bytes
    content_type: str
    headers: tuple[tuple[str, str], ...] = ()

    def __repr__(self) -> str:
        head = self.content[:300]
        more = f"... ({len(self.content)} bytes)" if len(self.content) > 300 else ""
        return f"Body({self.content_type!r}, {head!r}{more}, headers={self.headers!r})"


BOUNDARY = "fuzzBoundary7MA4YWxkTrZu0gW"


def _header_name(name: str) -> str:
    # As browsers do: quotes and line breaks in a name are percent-encoded.
    return name.replace('"', "%22").replace("\r", "%0D").replace("\n", "%0A")


def multipart(pairs: Pairs) -> Body:
    parts: list[bytes] = []
    for name, value in pairs:
        disposition = f'Content-Disposition: form-data; name="{_header_name(name)}"'
        if isinstance(value, Upload):
            head = (
                f'{disposition}; filename="{_header_name(value.filename)}"\r\n'
                f"Content-Type: {value.content_type or 'application/octet-stream'}"
            )
            payload = value.content
        else:
            head = disposition
            payload = value if isinstance(value, bytes) else value.encode()
        parts.append(f"--{BOUNDARY}\r\n{head}\r\n\r\n".encode() + payload + b"\r\n")
    parts.append(f"--{BOUNDARY}--\r\n".encode())
    return Body(b"".join(parts), f"multipart/form-data; boundary={BOUNDARY}")


def urlencoded(pairs: Pairs) -> Body:
    flat = [(name, v.filename if isinstance(v, Upload) else v) for name, v in pairs]
    return Body(urlencode(flat, doseq=False).encode(), "application/x-www-form-urlencoded")


def as_json(pairs: Pairs) -> Body:
    """The fields as a JSON object: what a confused (or hostile) client might send a form."""
    data: dict[str, Any] = {}
    for name, value in pairs:
        text = value.filename if isinstance(value, Upload) else value
        text = text.decode("utf-8", "replace") if isinstance(text, bytes) else text
        data.setdefault(name, []).append(text)
    flat = {k: v[0] if len(v) == 1 else v for k, v in data.items()}
    return Body(json.dumps(flat).encode(), "application/json")


JUNK_TYPES = (
    "multipart/form-data",  # no boundary
    f"multipart/form-data; boundary={BOUNDARY}",
    "multipart/form-data; boundary=" + "b" * 2000,
    "application/x-www-form-urlencoded",
    "application/x-www-form-urlencoded; charset=utf-16",
    "application/x-www-form-urlencoded; charset=no-such-charset",
    "application/json",
    "text/plain",
    "application/xml",
    "",
)


def junk_bodies() -> st.SearchStrategy[Body]:
    contents = st.one_of(
        st.binary(max_size=200),
        st.sampled_from(
            [
                b"%zz%" * 10,
                b"a=%ff%fe&b=%00",
                b"&&&===&&&",
                b"=" * 100,
                b"a" * 3_000_000,  # past DATA_UPLOAD_MAX_MEMORY_SIZE
                b"&".join(b"f%d=1" % i for i in range(1500)),  # past DATA_UPLOAD_MAX_NUMBER_FIELDS
                f"--{BOUNDARY}\r\nContent-Disposition: form-data\r\n\r\nx\r\n".encode(),
                f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="a"'.encode(),
                b"[" * 10_000,
                b'{"a": ' * 1000,
            ]
        ),
    )
    return st.builds(Body, contents, st.sampled_from(JUNK_TYPES))


def form_bodies(pairs: st.SearchStrategy[Pairs]) -> st.SearchStrategy[Body]:
    """Mostly the form as a browser posts it (multipart or urlencoded), sometimes as JSON,
    sometimes junk."""
    encodings = ["multipart"] * 3 + ["urlencoded"] * 3 + ["json"]
    encoded = st.tuples(pairs, st.sampled_from(encodings)).map(
        lambda pair: {"multipart": multipart, "urlencoded": urlencoded, "json": as_json}[pair[1]](
            pair[0]
        )
    )
    return weighted((5, encoded), (1, junk_bodies()))


# --- JSON values -----------------------------------------------------------------------------

json_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.integers(min_value=10**17, max_value=10**400),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=20),
)
json_values = st.recursive(
    json_scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner),
    max_leaves=12,
)


def json_body(value: Any) -> Body:
    return Body(json.dumps(value, allow_nan=True).encode(), "application/json")


def raw_json_bodies() -> st.SearchStrategy[Body]:
    """Bodies a JSON endpoint must refuse: deep nesting, huge numbers, not JSON at all."""
    texts = st.one_of(
        st.integers(min_value=1, max_value=120_000).map(lambda n: "[" * n),
        st.integers(min_value=1, max_value=6_000).map(lambda n: '{"position": ' + "9" * n + "}"),
        st.integers(min_value=1, max_value=6_000).map(lambda n: '{"order": [' + "7" * n + "]}"),
        st.sampled_from(['{"position": NaN}', '{"order": [Infinity]}', "{'a': 1}", "\ufeff{}"]),
        st.text(max_size=60),
    )
    return st.one_of(
        texts.map(lambda t: Body(t.encode(), "application/json")),
        st.binary(max_size=60).map(lambda b: Body(b, "application/json")),
    )


# --- Query strings -------------------------------------------------------------------------


def query_string(pairs: Pairs) -> str:
    """``pairs`` percent-encoded as a browser would (bytes pass through as they are)."""
    parts = []
    for name, value in pairs:
        text = value.filename if isinstance(value, Upload) else value
        raw = text if isinstance(text, bytes) else text.encode()
        parts.append(f"{quote(name.encode(), safe='')}={quote(raw, safe='')}")
    return "&".join(parts)
