import zoneinfo

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import SECRET_SESSION_KEY
from django.core.cache import cache
from django.utils import timezone

from tests import factories
from tests.accounts.mfa import totp_code

pytestmark = pytest.mark.django_db


def _code(secret: str) -> str:
    return totp_code(secret)


def _sign_in(client, user):
    return client.post(
        "/accounts/login/", {"login": user.email, "password": factories.PASSWORD}, follow=False
    )


def _reauthenticate(client):
    response = client.post("/accounts/reauthenticate/", {"password": factories.PASSWORD})
    assert response.status_code == 302


def test_any_learner_can_turn_on_an_authenticator_app_and_must_then_use_it(client, learner):
    """TOTP is open to every user; once active, signing in asks for the code."""
    _sign_in(client, learner)
    page = client.get("/accounts/2fa/totp/activate/")
    assert page.status_code == 302  # changing security settings asks for the password again
    assert page["Location"].startswith("/accounts/reauthenticate/")
    _reauthenticate(client)
    assert client.get("/accounts/2fa/totp/activate/").status_code == 200
    secret = client.session[SECRET_SESSION_KEY]
    response = client.post("/accounts/2fa/totp/activate/", {"code": _code(secret)})
    assert response.status_code == 302
    assert Authenticator.objects.filter(user=learner, type=Authenticator.Type.TOTP).exists()
    # Turning TOTP on also issues recovery codes.
    assert Authenticator.objects.filter(
        user=learner, type=Authenticator.Type.RECOVERY_CODES
    ).exists()

    client.post("/accounts/logout/")
    cache.clear()  # a code is single-use; the test signs in within the same 30 seconds
    response = _sign_in(client, learner)
    assert response.status_code == 302
    assert response["Location"] == "/accounts/2fa/authenticate/"
    assert "_auth_user_id" not in client.session  # not signed in on the password alone

    wrong = client.post("/accounts/2fa/authenticate/", {"code": "000000"})
    assert wrong.status_code == 200
    assert "_auth_user_id" not in client.session

    response = client.post("/accounts/2fa/authenticate/", {"code": _code(secret)})
    assert response.status_code == 302
    assert int(client.session["_auth_user_id"]) == learner.pk


def test_a_wrong_code_does_not_activate_totp(client, learner):
    """A mistyped code keeps TOTP off and says so."""
    _sign_in(client, learner)
    _reauthenticate(client)
    client.get("/accounts/2fa/totp/activate/")
    response = client.post("/accounts/2fa/totp/activate/", {"code": "123456"})
    assert response.status_code == 200
    assert not Authenticator.objects.filter(user=learner).exists()


def test_admin_sign_in_goes_through_allauth_and_refuses_non_staff(client, learner):
    """Django admin has no password form of its own; a signed-in learner is refused."""
    response = client.get("/admin/login/?next=/admin/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    _sign_in(client, learner)
    assert client.get("/admin/login/?next=/admin/").status_code == 403
    assert client.get("/admin/").status_code == 302  # admin sends non-staff to its login


def test_staff_reach_the_admin_after_signing_in(client, db):
    """Staff signed in through allauth reach the admin index."""
    staff = factories.UserFactory(is_staff=True, is_superuser=True)
    _sign_in(client, staff)
    assert client.get("/admin/").status_code == 200


def test_dates_follow_the_agency_time_zone_after_sign_in(client, learner, agency):
    """Signing in remembers the agency's time zone; “today” on the pages is the agency's today."""
    utc_today = timezone.now().date()
    # One of these two is always on another calendar day than UTC.
    name = next(
        tz
        for tz in ("Pacific/Kiritimati", "Pacific/Pago_Pago")
        if timezone.localdate(timezone=zoneinfo.ZoneInfo(tz)) != utc_today
    )
    agency.timezone = name
    agency.save()
    _sign_in(client, learner)
    assert client.session["lms_timezone"] == name
    response = client.get("/")
    assert response.context["today"] == timezone.localdate(timezone=zoneinfo.ZoneInfo(name))
    assert response.context["today"] != utc_today


def test_staff_need_mfa_for_the_admin_when_the_site_requires_it(client, db, settings):
    """Admins see everything: with LMS_REQUIRE_MFA on, no TOTP means no admin."""
    settings.LMS_REQUIRE_MFA = True
    staff = factories.UserFactory(is_staff=True, is_superuser=True)
    client.force_login(staff)
    response = client.get("/admin/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/2fa/"
    Authenticator.objects.create(user=staff, type=Authenticator.Type.TOTP, data={})
    assert client.get("/admin/").status_code == 200
