"""An email backend for the sender's tests: the in-memory outbox, with the connections counted and
a connection that breaks on the send a test names."""

from __future__ import annotations

import smtplib
from typing import Any, ClassVar

from django.core.mail.backends import locmem


class CountingBackend(locmem.EmailBackend):
    """``opened`` counts ``open()`` calls across instances; ``break_on`` holds the numbers (from 1)
    of the sends, across the test, at which the connection drops: that send raises
    ``SMTPServerDisconnected`` and so does every later send on the same connection, as on a real
    socket that is gone."""

    opened: ClassVar[int] = 0
    sends: ClassVar[int] = 0
    break_on: ClassVar[set[int]] = set()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.is_open = self.broken = False

    @classmethod
    def reset(cls, *, break_on: set[int] | None = None) -> None:
        cls.opened = cls.sends = 0
        cls.break_on = break_on or set()

    def open(self) -> bool:
        CountingBackend.opened += 1
        self.is_open = True
        return True

    def close(self) -> None:
        self.is_open = False

    def send_messages(self, messages: Any) -> int:
        if not self.is_open:  # ``message.send()`` alone: a connection for this message only
            self.open()
            try:
                return self.send_messages(messages)
            finally:
                self.close()
        CountingBackend.sends += 1
        if self.broken or CountingBackend.sends in self.break_on:
            self.broken = True
            raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")
        return super().send_messages(messages)
