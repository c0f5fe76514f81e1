"""The session's two clocks: idle (``LMS_SESSION_IDLE_MINUTES``) and absolute
(``LMS_SESSION_ABSOLUTE_HOURS``), kept in the session itself and enforced on the server by
``accounts.middleware.SessionLimitsMiddleware``.

Every sign-in stamps both (``accounts.auth_signals.start_session_clocks``); every request of
the signed-in user counts as activity (pages, forms, the video's progress heartbeat while a video
plays), except views marked ``session_passive`` (the warning dialog's status check, which must
not keep an idle session alive by asking how long it has left).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from django.conf import settings
from django.contrib.sessions.backends.base import SessionBase

STARTED_KEY = "lms_session_started"  # when the user signed in (seconds since the epoch)
SEEN_KEY = "lms_session_seen"  # the user's last activity
# The last activity is written at most this often: a session save every half minute of
# activity, not one per request. The idle limit is thus kept to within this many seconds.
TOUCH_EVERY_SECONDS = 30

View = TypeVar("View", bound=Callable[..., Any])


def session_passive(view: View) -> View:
    """Mark a view whose requests are not the user's activity (they never extend the session)."""
    view.session_passive = True  # type: ignore[attr-defined]
    return view


@dataclass(frozen=True)
class SessionClock:
    idle_left: float  # seconds until the idle limit
    absolute_left: float  # seconds until the absolute limit

    @property
    def seconds_left(self) -> float:
        return min(self.idle_left, self.absolute_left)

    @property
    def expired(self) -> str | None:
        """Why the session is over ("absolute" first, then "idle"), or None."""
        if self.absolute_left <= 0:
            return "absolute"
        if self.idle_left <= 0:
            return "idle"
        return None

    @property
    def extendable(self) -> bool:
        """Whether activity would give more time (not when the absolute limit comes first)."""
        return self.idle_left < self.absolute_left


def idle_seconds() -> int:
    return settings.LMS_SESSION_IDLE_MINUTES * 60


def absolute_seconds() -> int:
    return settings.LMS_SESSION_ABSOLUTE_HOURS * 3600


def session_start(session: SessionBase, now: float | None = None) -> None:
    """Start both clocks: at sign-in (the session may carry an earlier sign-in's stamps)."""
    now = time.time() if now is None else now
    session[STARTED_KEY] = now
    session[SEEN_KEY] = now


def session_clock(session: SessionBase, now: float | None = None) -> SessionClock:
    """How long the session has left on each clock. A signed-in session without stamps (one
    made before these limits, or by a test's ``force_login``) starts them now."""
    now = time.time() if now is None else now
    if not isinstance(session.get(STARTED_KEY), int | float) or not isinstance(
        session.get(SEEN_KEY), int | float
    ):
        session_start(session, now)
    started = float(session[STARTED_KEY])
    seen = float(session[SEEN_KEY])
    return SessionClock(
        idle_left=seen + idle_seconds() - now, absolute_left=started + absolute_seconds() - now
    )


def session_touch(session: SessionBase, now: float | None = None, *, force: bool = False) -> None:
    """Record the user's activity (at most every ``TOUCH_EVERY_SECONDS`` unless ``force``)."""
    now = time.time() if now is None else now
    seen = session.get(SEEN_KEY)
    if force or not isinstance(seen, int | float) or now - seen >= TOUCH_EVERY_SECONDS:
        session[SEEN_KEY] = now
