"""Sessions: idle and absolute limits enforced on the server, activity, the warning dialog's
endpoint, the session key rotated at each step of a sign-in, and sign-out that ends the session
on the server."""

import json
import time

import pytest
from allauth.mfa.models import Authenticator
from django.conf import settings as django_settings
from django.contrib.messages import get_messages
from django.contrib.sessions.models import Session
from django.test import Client

from accounts.sessions import SEEN_KEY, STARTED_KEY
from audit.models import AuditEvent
from courses import services as course_services
from lms.settings import base as base_settings
from tests import factories
from tests.accounts.test_mfa import _code, _reauthenticate
from tests.accounts.test_mfa import _sign_in as _password_step

pytestmark = pytest.mark.django_db

IDLE_TEXT = "You were signed out after 30 minutes without activity."


def _sign_in(client, user):
    response = client.post(
        "/accounts/login/", {"login": user.email, "password": factories.PASSWORD}
    )
    assert response.status_code == 302
    return response


def _shift(client, **seconds_ago):
    """Move the session's clocks back: ``seen=`` / ``started=`` seconds before now."""
    session = client.session
    now = time.time()
    if "seen" in seconds_ago:
        session[SEEN_KEY] = now - seconds_ago["seen"]
    if "started" in seconds_ago:
        session[STARTED_KEY] = now - seconds_ago["started"]
    session.save()


def _messages(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def test_the_limits_are_settings_with_the_policy_defaults():
    """30 idle minutes, 12 hours in all; the session store forgets a session at the latter."""
    assert base_settings.LMS_SESSION_IDLE_MINUTES == 30
    assert base_settings.LMS_SESSION_ABSOLUTE_HOURS == 12
    assert base_settings.SESSION_COOKIE_AGE == 12 * 3600


def test_thirty_idle_minutes_sign_the_user_out_on_the_server(client, learner):
    """The next request after the idle limit finds the session flushed, is sent to sign in,
    and is told why; the end is recorded."""
    _sign_in(client, learner)
    key = client.session.session_key
    _shift(client, seen=30 * 60 + 1)
    response = client.get("/series/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/series/"
    assert not Session.objects.filter(session_key=key).exists()
    assert IDLE_TEXT in " ".join(_messages(response))
    event = AuditEvent.objects.get(action="auth.session_expired")
    assert (event.actor_id, event.details["reason"]) == (learner.pk, "idle")
    # The sign-in page shows the message.
    page = client.get(response["Location"])
    assert IDLE_TEXT in page.content.decode()


def test_activity_within_the_idle_limit_keeps_the_session(client, learner):
    """A request 29 minutes after the last one is served, and starts the idle clock again."""
    _sign_in(client, learner)
    _shift(client, seen=29 * 60)
    assert client.get("/series/").status_code == 200
    assert time.time() - client.session[SEEN_KEY] < 5
    assert client.get("/series/").status_code == 200


def test_twelve_hours_sign_the_user_out_however_active(client, learner):
    """The absolute limit holds even for a session active a second ago."""
    _sign_in(client, learner)
    _shift(client, seen=1, started=12 * 3600 + 1)
    response = client.get("/series/")
    assert response.status_code == 302
    assert "sessions last at most 12 hours" in " ".join(_messages(response))
    assert AuditEvent.objects.get(action="auth.session_expired").details["reason"] == "absolute"


def test_the_idle_limit_is_a_setting(client, learner, settings):
    """LMS_SESSION_IDLE_MINUTES sets the limit, and the message says it."""
    settings.LMS_SESSION_IDLE_MINUTES = 5
    _sign_in(client, learner)
    _shift(client, seen=5 * 60 + 1)
    response = client.get("/series/")
    assert response.status_code == 302
    assert "after 5 minutes without activity" in " ".join(_messages(response))


def test_sign_in_starts_both_clocks_and_keeps_the_agency_keys(client, learner, agency):
    """Signing in stamps the session, beside the time zone and navigation keys it sets."""
    before = time.time()
    _sign_in(client, learner)
    session = client.session
    assert before <= session[STARTED_KEY] == session[SEEN_KEY] <= time.time()
    assert session["lms_timezone"] == agency.timezone
    assert session["lms_nav_supervisor"] is False
    assert "lms_nav_author" in session


def test_signing_in_again_restarts_the_absolute_clock(client, learner):
    """A new sign-in in the same browser is a new session, whatever the old one carried."""
    _sign_in(client, learner)
    _shift(client, started=11 * 3600)
    client.post("/accounts/logout/")
    _sign_in(client, learner)
    assert time.time() - client.session[STARTED_KEY] < 5


# --- The warning dialog's endpoint, and what counts as activity ---------------------------


def test_asking_how_long_is_left_is_not_activity(client, learner):
    """The dialog's GET reports the time left without extending it; POST (“Stay signed in”)
    extends it."""
    _sign_in(client, learner)
    _shift(client, seen=10 * 60)
    seen = client.session[SEEN_KEY]
    response = client.get("/accounts/session/")
    assert response.status_code == 200
    assert response["Cache-Control"].startswith("max-age=0")
    state = response.json()
    assert state["signed_in"] is True and state["extendable"] is True
    assert 19 * 60 < state["seconds_left"] <= 20 * 60
    assert client.session[SEEN_KEY] == seen

    state = client.post("/accounts/session/").json()
    assert state["seconds_left"] > 29 * 60
    assert time.time() - client.session[SEEN_KEY] < 5


def test_the_endpoint_says_401_once_the_session_is_over(client, learner):
    """An expired session answers 401 (the page then goes to the sign-in page), not a redirect;
    so does a browser that never signed in."""
    assert Client().get("/accounts/session/").status_code == 401
    _sign_in(client, learner)
    _shift(client, seen=31 * 60)
    response = client.get("/accounts/session/")
    assert response.status_code == 401
    assert response.json() == {"signed_in": False}
    assert client.post("/accounts/session/").status_code == 401


def test_near_the_absolute_limit_staying_signed_in_is_not_offered(client, learner):
    """When the 12 hours end before the idle limit would, the dialog says so instead."""
    _sign_in(client, learner)
    _shift(client, started=12 * 3600 - 60)
    state = client.get("/accounts/session/").json()
    assert state["extendable"] is False
    assert state["seconds_left"] <= 60


def test_keep_alive_needs_the_csrf_token(learner):
    """A cross-site page cannot keep someone's session alive."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(learner)
    assert client.post("/accounts/session/").status_code == 403


def test_a_playing_video_counts_as_activity(client, learner, series):
    """The player's progress heartbeat (sent only while the video plays) keeps a learner who
    watches a long video signed in."""
    course_services.enrollment_create(user=learner, series=series)
    _sign_in(client, learner)
    _shift(client, seen=29 * 60)
    response = client.post(
        "/series/working-with-survivors/understanding/intro-video/progress/",
        json.dumps({"watched": [[0, 10]], "position": 10}),
        content_type="application/json",
    )
    assert response.status_code == 200
    assert time.time() - client.session[SEEN_KEY] < 5
    _shift(client, seen=29 * 60)  # another 29 minutes of the film
    assert client.get("/series/").status_code == 200


def test_signed_in_pages_carry_the_warning_dialog_and_its_script(client, learner):
    """Every signed-in page has the dialog and loads static/js/session.js (no inline script);
    a signed-out page has neither."""
    anonymous = Client().get("/accounts/login/").content.decode()
    assert 'id="session-dialog"' not in anonymous
    _sign_in(client, learner)
    page = client.get("/series/").content.decode()
    assert 'id="session-dialog"' in page
    assert 'src="/static/js/session.js"' in page
    assert "Stay signed in" in page
    assert 'data-status-url="/accounts/session/"' in page
    assert 'data-warning-seconds="120"' in page
    assert "<script>" not in page
    assert "csrfmiddlewaretoken" not in page  # the same page at every request (see 404 pages)
    assert "csrftoken" in client.cookies  # the script posts with the cookie's token


# --- Session keys -------------------------------------------------------------------------


def _planted_key(client) -> str:
    """A session the browser already holds before signing in (as an attacker could plant)."""
    session = client.session
    session["planted"] = True
    session.save()
    client.cookies[django_settings.SESSION_COOKIE_NAME] = session.session_key
    return session.session_key


def test_signing_in_gives_a_new_session_key(client, learner):
    """The key held before signing in is dead afterwards."""
    before = _planted_key(client)
    _sign_in(client, learner)
    after = client.session.session_key
    assert after != before
    assert not Session.objects.filter(session_key=before).exists()


def test_each_step_of_an_mfa_sign_in_gets_a_new_session_key(client, learner):
    """Before sign-in, after the password step, after the code: three different keys, and
    neither earlier key opens anything."""
    from tests.accounts.test_mfa import SECRET_SESSION_KEY

    # Turn on TOTP the way a user does.
    _password_step(client, learner)
    _reauthenticate(client)
    client.get("/accounts/2fa/totp/activate/")
    secret = client.session[SECRET_SESSION_KEY]
    client.post("/accounts/2fa/totp/activate/", {"code": _code(secret)})
    assert Authenticator.objects.filter(user=learner, type=Authenticator.Type.TOTP).exists()
    client.post("/accounts/logout/")

    from django.core.cache import cache

    cache.clear()  # a code is single-use; the sign-in below is within the same 30 seconds
    keys = [_planted_key(client)]
    response = _password_step(client, learner)
    assert response["Location"] == "/accounts/2fa/authenticate/"
    keys.append(client.session.session_key)
    response = client.post("/accounts/2fa/authenticate/", {"code": _code(secret)})
    assert response.status_code == 302
    assert int(client.session["_auth_user_id"]) == learner.pk
    keys.append(client.session.session_key)
    assert len(set(keys)) == 3, keys
    assert not Session.objects.filter(session_key__in=keys[:2]).exists()


@pytest.mark.django_db(transaction=True)  # allauth reports the activation on commit
def test_turning_on_an_authenticator_gives_a_new_session_key(client, learner):
    """Activating TOTP changes the key of the session that did it, which stays signed in."""
    from tests.accounts.test_mfa import SECRET_SESSION_KEY

    _sign_in(client, learner)
    _reauthenticate(client)
    client.get("/accounts/2fa/totp/activate/")
    before = client.session.session_key
    secret = client.session[SECRET_SESSION_KEY]
    response = client.post("/accounts/2fa/totp/activate/", {"code": _code(secret)})
    assert response.status_code == 302
    assert client.session.session_key != before
    assert not Session.objects.filter(session_key=before).exists()
    assert client.get("/series/").status_code == 200


def test_a_copied_session_cookie_is_useless_after_sign_out(client, learner):
    """Signing out deletes the session on the server: a copy of the cookie opens nothing."""
    _sign_in(client, learner)
    stolen = client.cookies[django_settings.SESSION_COOKIE_NAME].value
    thief = Client()
    thief.cookies[django_settings.SESSION_COOKIE_NAME] = stolen
    assert thief.get("/series/").status_code == 200  # the copy works while the session lives

    client.post("/accounts/logout/")
    assert not Session.objects.filter(session_key=stolen).exists()
    response = thief.get("/series/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
