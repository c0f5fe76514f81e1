"""reminders.mime.compose against Django's own MIME classes: the same message either way."""

import email
import email.policy
import socket
from email.utils import parseaddr

import pytest
from aiosmtpd.controller import Controller
from django.core.mail import EmailMultiAlternatives
from django.core.mail.message import sanitize_address
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from reminders.mime import compose
from reminders.sending import Mailer


def _message(**overrides) -> EmailMultiAlternatives:
    fields = {
        "subject": "“Working with Victims and Survivors” is due today",
        "body": "Hello Dana,\n\nYour training is due today.\n",
        "to": ["dana@example.gov"],
        "headers": {"Message-ID": "<1.2@training-tracker>"},
    }
    html = overrides.pop("html", "<p>Hello Dana,</p>\n<p>Your training is due today.</p>\n")
    fields.update(overrides)
    message = EmailMultiAlternatives(**fields)
    message.attach_alternative(html, "text/html")
    return message


def _parsed(data: bytes):
    """What a mail reader sees: each header's decoded value (folding whitespace collapsed; the
    Date and the multipart boundary are made afresh for each message), each part's type and
    decoded text."""
    parsed = email.message_from_bytes(data, policy=email.policy.default)

    def walk(part):
        headers = sorted(
            (name, " ".join(str(value).split()))
            for name, value in part.items()
            if name != "Date" and not (name == "Content-Type" and part.is_multipart())
        )
        if part.is_multipart():
            return headers, part.get_content_type(), [walk(p) for p in part.iter_parts()]
        return headers, part.get_content_type(), part.get_content()

    return walk(parsed), parsed.defects


def _django(message: EmailMultiAlternatives):
    """The envelope and bytes Django's SMTP backend sends (EmailBackend._send)."""
    return (
        sanitize_address(message.from_email, "utf-8"),
        [sanitize_address(address, "utf-8") for address in message.recipients()],
        message.message().as_bytes(linesep="\r\n"),
    )


def _assert_same(message: EmailMultiAlternatives) -> None:
    envelope = compose(message)
    assert envelope is not None
    from_addr, to_addrs, data = _django(message)
    assert (envelope.from_addr, envelope.to_addrs) == (from_addr, to_addrs)
    ours, defects = _parsed(envelope.data)
    assert defects == []
    assert ours == _parsed(data)[0]
    assert b"\n" not in envelope.data.replace(b"\r\n", b"")  # CRLF lines only
    assert all(len(line) <= 998 for line in envelope.data.split(b"\r\n"))


def test_a_reminder_is_the_same_message_as_djangos():
    _assert_same(_message())


def test_long_and_non_ascii_headers_are_folded_and_encoded_as_the_email_package_does():
    url = "http://127.0.0.1:8000/reminders/unsubscribe/" + "eyJ1IjoxMjM0NTY3fQ" * 8 + "/"
    message = _message(
        subject="Recordatorio: “Primer contacto y comunicación con víctimas” vence hoy " * 2,
        to=["José Núñez <jose@ejemplo.gov>"],
        headers={
            "Message-ID": "<1.2@training-tracker>",
            "List-Unsubscribe": f"<{url}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        },
    )
    _assert_same(message)
    assert b"\r\nTo: =?utf-8?" in compose(message).data


@pytest.mark.parametrize(
    "change",
    [
        {"cc": ["lead@example.gov"]},
        {"bcc": ["audit@example.gov"]},
        {"reply_to": ["training@example.gov"]},
        {"headers": {"Message-ID": "<1@x>", "Date": "Fri, 04 Dec 2026 08:00:00 -0000"}},
        {"headers": {"Message-ID": "<1@x>", "From": "Someone <s@example.gov>"}},
        {"headers": {}},  # no Message-ID of its own: Django makes one
        {"body": ""},  # Django sends the HTML part alone
        {"body": "x" * 999 + "\n"},  # Django encodes the part as quoted-printable
        {"html": "<p>" + "é" * 500 + "</p>"},  # 1,007 octets on one line
        {"subject": "Due\ntoday"},  # Django raises BadHeaderError
        {"subject": "Due\x0ctoday"},  # the email package folds at a form feed
        {"to": ["bad\naddress@example.gov"]},
        {"to": []},
    ],
)
def test_what_is_not_the_plain_shape_is_left_to_django(change):
    assert compose(_message(**change)) is None


def test_an_attachment_is_left_to_django():
    message = _message()
    message.attach("notes.txt", "notes", "text/plain")
    assert compose(message) is None


_text = st.text(st.characters(exclude_categories=("Cs",)), max_size=300)
_atom = st.text("abcdefghijklmnopqrstuvwxyz0123456789!#$%&'*+/=?^_`{|}~-", min_size=1, max_size=12)
_addresses = st.one_of(
    st.builds("{}@{}.gov".format, _atom, st.sampled_from(["example", "xn--exmple-cua", "ag-1"])),
    st.builds(
        "{} <{}@example.gov>".format,
        st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), max_size=30),
        _atom,
    ),
    st.builds("{}@exámple.gov".format, _atom),  # an international domain: punycode
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    subject=_text,
    body=_text.filter(bool),
    html=_text,
    to=st.lists(_addresses, min_size=1, max_size=3),
    unsubscribe=st.one_of(
        st.none(), st.text("abcdefghijklmnopqrstuvwxyz0123456789:_-", max_size=200)
    ),
)
@example(  # a display name long enough for the email package to fold its encoded words
    subject="", body="0", html="", to=["Ana María " * 6 + "<a@example.gov>"], unsubscribe=None
)
@example(subject="a" * 200, body="é\r\nx\ry\n", html="", to=["a.b@example.gov"], unsubscribe="z")
def test_whatever_compose_writes_is_the_message_django_writes(subject, body, html, to, unsubscribe):
    headers = {"Message-ID": "<7.7@training-tracker>"}
    if unsubscribe is not None:
        headers["List-Unsubscribe"] = (
            f"<http://127.0.0.1:8000/reminders/unsubscribe/{unsubscribe}/>"
        )
    message = _message(subject=subject, body=body, html=html, to=to, headers=headers)
    try:
        expected = _django(message)
    except Exception:  # Django refuses the message (a bad header or address)
        assert compose(message) is None
        return
    if compose(message) is not None:
        _assert_same(message)
    else:  # left to Django only for the documented reasons
        lines = [*message.body.splitlines(), *html.splitlines()]
        assert (
            len(subject.splitlines()) > 1
            or "\r" in subject
            or any(len(line.encode()) > 998 for line in lines)
            or any(len(a.splitlines()) > 1 for a in to)
        ), expected


class _Recorder:
    def __init__(self) -> None:
        self.received: list[tuple[str, list[str], bytes]] = []

    async def handle_DATA(self, server, session, envelope) -> str:
        self.received.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.content))
        return "250 2.0.0 OK"


@pytest.fixture
def smtp_server(settings):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    recorder = _Recorder()
    controller = Controller(recorder, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    try:
        yield recorder
    finally:
        controller.stop()


def test_the_mailer_sends_the_composed_bytes_over_smtp(smtp_server):
    sent = [_message(to=[f"learner{n}@example.gov"]) for n in range(3)]
    with Mailer() as mailer:
        for message in sent:
            mailer.send(message)
    assert mailer.opened == 1
    for (_, to, data), message in zip(smtp_server.received, sent, strict=True):
        assert to == message.to
        assert _parsed(data) == _parsed(compose(message).data)
    sender = parseaddr(sanitize_address(sent[0].from_email, "utf-8"))[1]  # MAIL FROM:<...>
    assert [mail_from for mail_from, _, _ in smtp_server.received] == [sender] * 3


def test_the_mailer_falls_back_to_django_for_a_message_it_does_not_compose(smtp_server):
    message = _message(cc=["lead@example.gov"])
    with Mailer() as mailer:
        mailer.send(message)
    ((_, to, data),) = smtp_server.received
    assert to == ["dana@example.gov", "lead@example.gov"]
    assert b"Cc: lead@example.gov" in data
