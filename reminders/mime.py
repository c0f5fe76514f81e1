"""A reminder email as the bytes Django's SMTP backend would send, written directly.

Python's email package spends half of a reminder's CPU time on a message this plain (a text
and an HTML part in UTF-8, a handful of short headers): a ``Header`` object and a fold for
every header, twice (once when set, once when written); a regular expression compiled for every
boundary; a quoted-printable encoding of the subject that is quadratic in its length.
``compose`` writes the same message from the same pieces: the library still encodes what needs
encoding (a non-ASCII or long header, a display name), once per distinct value, and the layout
is the one its generator writes. Whatever is not that plain shape (attachments, Cc, Bcc or
Reply-To, an own Date, From or To header, a line over 998 octets, a header with a line break)
is left to Django: ``compose`` returns None and the message is sent the usual way, which also
raises what Django raises for a bad header. ``tests/reminders/test_mime.py`` checks that both
ways give the same message, header by header and part by part.
"""

from __future__ import annotations

import functools
import re
import secrets
from dataclasses import dataclass
from email.header import Header
from email.utils import formatdate, getaddresses
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage
from django.core.mail.message import RFC5322_EMAIL_LINE_LENGTH_LIMIT, sanitize_address

# The email package's own limit for a header line before it folds (compat32 policy).
_FOLD_AT = 78
# Line breaks as the email generator reads them (not str.splitlines, which knows more).
_LINE_BREAK = re.compile(r"\r\n|\r|\n")
# An address with no display name, quoting or comment, whose local part and domain are plain
# ASCII: what Django's sanitize_address returns for it unchanged.
_BARE_ADDRESS = re.compile(
    r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*"
)
# Headers the message itself decides: given as extra headers, Django's own path writes them.
_OWN_HEADERS = frozenset(
    {
        "from",
        "to",
        "cc",
        "reply-to",
        "date",
        "subject",
        "content-type",
        "mime-version",
        "content-transfer-encoding",
    }
)


@dataclass(frozen=True)
class Envelope:
    """What ``smtplib.SMTP.sendmail`` takes: the sender, the recipients and the message."""

    from_addr: str
    to_addrs: list[str]
    data: bytes


def compose(message: EmailMessage) -> Envelope | None:
    """The envelope and bytes Django's SMTP backend would send for ``message``, or None where
    the message is not the plain shape written here (Django's MIME classes then write it)."""
    if settings.DEFAULT_CHARSET.lower() != "utf-8" or (message.encoding or "utf-8") != "utf-8":
        return None
    alternatives: list[tuple[Any, str]] = list(getattr(message, "alternatives", []))
    if (
        message.attachments
        or message.cc
        or message.bcc
        or message.reply_to
        or message.content_subtype != "plain"
        or not message.body
        or len(alternatives) != 1
        or alternatives[0][1] != "text/html"
        or not message.to
    ):
        return None
    names = {name.lower() for name in message.extra_headers}
    if names & _OWN_HEADERS or "message-id" not in names:
        return None  # ours always carry a Message-ID (the record of what was sent)
    text = _part("plain", str(message.body))
    html = _part("html", str(alternatives[0][0]))
    if text is None or html is None:
        return None
    maybe_headers = [
        _header("Subject", str(message.subject)),
        _address_header("From", str(message.from_email)),
        _address_header("To", ", ".join(str(address) for address in message.to)),
        f"Date: {formatdate(localtime=settings.EMAIL_USE_LOCALTIME)}",
    ]
    maybe_headers.extend(_header(name, str(value)) for name, value in message.extra_headers.items())
    headers = [header for header in maybe_headers if header is not None]
    if len(headers) != len(maybe_headers):
        return None
    boundary = _boundary(text, html)
    data = "\r\n".join(
        (
            f'Content-Type: multipart/alternative;\r\n boundary="{boundary}"',
            "MIME-Version: 1.0",
            *headers,
            "",
            f"--{boundary}\r\n{text}\r\n--{boundary}\r\n{html}\r\n--{boundary}--\r\n",
        )
    )
    try:
        return Envelope(
            from_addr=_address(str(message.from_email)),
            to_addrs=[_address(str(address)) for address in message.recipients()],
            data=data.encode("utf-8"),
        )
    except (UnicodeEncodeError, ValueError):
        return None  # a lone surrogate or an address Django refuses: its path says why


def _part(subtype: str, content: str) -> str | None:
    """One text part in UTF-8, 7bit or 8bit as the email package marks it; None for a line
    over the RFC 5322 limit (Django then encodes the part as quoted-printable)."""
    try:
        longest = max(len(line.encode("utf-8")) for line in content.splitlines() or [""])
    except UnicodeEncodeError:
        return None
    if longest > RFC5322_EMAIL_LINE_LENGTH_LIMIT:
        return None
    encoding = "7bit" if content.isascii() else "8bit"
    return (
        f'Content-Type: text/{subtype}; charset="utf-8"\r\nMIME-Version: 1.0\r\n'
        f"Content-Transfer-Encoding: {encoding}\r\n\r\n" + _LINE_BREAK.sub("\r\n", content)
    )


def _header(name: str, value: str) -> str | None:
    """``Name: value``, folded and encoded as the email package does; None if the value holds
    a line break (Django refuses CR and LF: BadHeaderError) or what the email package takes for
    one (a form feed, U+2028, ...: it folds there)."""
    if _breaks(value):
        return None
    if value.isascii() and len(name) + 2 + len(value) <= _FOLD_AT:
        return f"{name}: {value}"
    return f"{name}: {_encoded(name, value)}"


def _breaks(value: str) -> bool:
    return "\n" in value or "\r" in value or len(value.splitlines()) > 1


@functools.lru_cache(maxsize=1024)
def _encoded(name: str, value: str) -> str:
    """A long or non-ASCII header value, folded and encoded by the email package (RFC 2047 for
    non-ASCII text), once per distinct value: a batch's subjects repeat."""
    charset = None if value.isascii() else "utf-8"
    return Header(value, charset, header_name=name).encode(linesep="\r\n")


def _address_header(name: str, value: str) -> str | None:
    """An address header: ASCII as it is, otherwise each address encoded as Django does."""
    if _breaks(value):
        return None
    if value.isascii():
        return _header(name, value)
    try:
        encoded = ", ".join(_address(pair) for pair in getaddresses((value,)))
    except ValueError:
        return None
    # ASCII now, folded by the email package where a display name is long ("\n " between its
    # encoded words): the same folds, in CRLF.
    return f"{name}: " + encoded.replace("\n", "\r\n")


def _address(address: str | tuple[str, str]) -> str:
    """An address as Django's SMTP backend writes it (display name encoded, domain in
    punycode). A bare ASCII address comes out as it went in; the rest (the sender, the same on
    every message, and any with a display name) goes through Django's ``sanitize_address``."""
    if isinstance(address, str) and _BARE_ADDRESS.fullmatch(address):
        return address
    return _sanitized(address)


@functools.lru_cache(maxsize=1024)
def _sanitized(address: str | tuple[str, str]) -> str:
    return sanitize_address(address, "utf-8")


def _boundary(*parts: str) -> str:
    """A boundary that occurs in no part (as the email package makes sure of its own)."""
    while True:
        boundary = "=" * 15 + secrets.token_hex(16) + "=="
        if not any(boundary in part for part in parts):
            return boundary
