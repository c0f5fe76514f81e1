"""The sign-in lockout (accounts.lockout): failed passwords in a row lock the account, per account
and not per address, with the same answer for an email that matches no account."""

import re
from datetime import timedelta
from unittest import mock

import pytest
from django.contrib.auth import base_user
from django.core import mail
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import SignInLock
from audit.models import AuditEvent
from lms.settings import base as base_settings
from tests import factories

pytestmark = pytest.mark.django_db

WRONG = "not the password at all"
UNKNOWN = "nobody-here@example.org"
LOCKED_TEXT = "Signing in to this account is paused after too many failed attempts."


def _post(client, login, password):
    return client.post("/accounts/login/", {"login": login, "password": password})


def _signed_in(client) -> bool:
    return "_auth_user_id" in client.session


def _fail(client, login, times):
    for _ in range(times):
        response = _post(client, login, WRONG)
        assert response.status_code == 200
        assert not _signed_in(client)
    return response


def test_five_failures_in_a_row_lock_the_account_and_refuse_the_right_password(client, learner):
    """The fifth wrong password locks; the right one is then refused with the lockout message."""
    response = _fail(client, learner.email, 4)
    assert LOCKED_TEXT not in response.content.decode()
    assert _post(client, learner.email, factories.PASSWORD).status_code == 302  # 4 are allowed
    client.post("/accounts/logout/")

    _fail(client, learner.email, 5)
    response = _post(client, learner.email, factories.PASSWORD)
    assert response.status_code == 200
    assert LOCKED_TEXT in response.content.decode()
    assert not _signed_in(client)
    lock = SignInLock.objects.get(user=learner)
    assert lock.failures == 5 and lock.locked_at is not None


def test_the_threshold_is_a_setting(client, learner, settings):
    """LMS_LOCKOUT_FAILURES sets how many failures lock (default 5)."""
    assert base_settings.LMS_LOCKOUT_FAILURES == 5
    assert base_settings.LMS_LOCKOUT_COOLOFF_MINUTES == 30
    settings.LMS_LOCKOUT_FAILURES = 3
    _fail(client, learner.email, 3)
    assert LOCKED_TEXT in _post(client, learner.email, factories.PASSWORD).content.decode()


def test_a_right_password_resets_the_count(client, learner):
    """Four failures, a success, four more: still not locked."""
    _fail(client, learner.email, 4)
    assert _post(client, learner.email, factories.PASSWORD).status_code == 302
    client.post("/accounts/logout/")
    _fail(client, learner.email, 4)
    assert _post(client, learner.email, factories.PASSWORD).status_code == 302


def test_failures_further_apart_than_the_cool_off_start_a_new_count(client, learner):
    """A failure more than the cool-off after the one before counts from one again."""
    _fail(client, learner.email, 4)
    SignInLock.objects.filter(user=learner).update(
        last_failure_at=timezone.now() - timedelta(minutes=31)
    )
    _fail(client, learner.email, 1)
    assert SignInLock.objects.get(user=learner).failures == 1
    assert _post(client, learner.email, factories.PASSWORD).status_code == 302


def test_the_lock_counts_any_spelling_of_the_address(client, learner):
    """Upper case or spaces do not give a guesser a fresh count."""
    _fail(client, learner.email.upper(), 3)
    _fail(client, f"  {learner.email} ", 2)
    assert LOCKED_TEXT in _post(client, learner.email, factories.PASSWORD).content.decode()


def test_the_cool_off_releases_the_lock_by_itself(client, learner):
    """After LMS_LOCKOUT_COOLOFF_MINUTES the right password signs in; the unlock is recorded."""
    _fail(client, learner.email, 5)
    SignInLock.objects.filter(user=learner).update(locked_at=timezone.now() - timedelta(minutes=29))
    assert LOCKED_TEXT in _post(client, learner.email, factories.PASSWORD).content.decode()
    SignInLock.objects.filter(user=learner).update(
        locked_at=timezone.now() - timedelta(minutes=30, seconds=1)
    )
    assert _post(client, learner.email, factories.PASSWORD).status_code == 302
    assert not SignInLock.objects.filter(user=learner).exists()
    event = AuditEvent.objects.get(action="auth.unlocked")
    assert event.details["by"] == "cool-off"
    assert event.target_id == str(learner.pk)


def test_the_lock_is_per_account_not_per_address(client, learner, agency):
    """Locking one account from an address leaves everyone else at that address signing in."""
    colleague = factories.learner_of(agency, email="colleague@example.org")
    _fail(client, learner.email, 5)
    for i in range(10):
        _fail(client, f"made-up-{i}@example.org", 5)
    other = Client()
    assert _post(other, colleague.email, factories.PASSWORD).status_code == 302
    assert LOCKED_TEXT in _post(client, learner.email, factories.PASSWORD).content.decode()


def _page(response, login: str) -> str:
    """The page without what the visitor typed (the form echoes the login back) and without
    the per-request CSRF token."""
    page = response.content.decode().replace(login, "LOGIN")
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "CSRF", page)


def test_a_locked_account_and_an_unknown_email_get_the_same_answer(learner):
    """Same status, same page, same message, at every attempt, before and after the lock."""
    real, unknown = Client(), Client()
    for attempt in range(7):
        password = factories.PASSWORD if attempt == 6 else WRONG
        got_real = _post(real, learner.email, password)
        got_unknown = _post(unknown, UNKNOWN, password)
        assert got_real.status_code == got_unknown.status_code == 200
        assert _page(got_real, learner.email) == _page(got_unknown, UNKNOWN), attempt
        assert (LOCKED_TEXT in got_real.content.decode()) == (attempt >= 5)
    assert SignInLock.objects.filter(key=f"email:{UNKNOWN}", locked_at__isnull=False).exists()


def _work(client, login, password):
    """Password hashes done and queries made by one sign-in attempt."""
    with (
        mock.patch.object(base_user, "check_password", wraps=base_user.check_password) as check,
        mock.patch.object(base_user, "make_password", wraps=base_user.make_password) as make,
        CaptureQueriesContext(connection) as queries,
    ):
        response = _post(client, login, password)
    assert response.status_code == 200
    return check.call_count + make.call_count, len(queries)


def test_an_unknown_email_costs_the_same_work_as_a_real_account(learner):
    """No path skips a password hash (or a query) that the other does: before the lock, at the
    attempt that locks, and once locked. (The times: bench/signin_lockout.py.)"""
    real, unknown = Client(), Client()
    for attempt in range(7):
        (real_hashes, real_queries) = _work(real, learner.email, WRONG)
        (unknown_hashes, unknown_queries) = _work(unknown, UNKNOWN, WRONG)
        # allauth's backend (the only one) checks the password, or hashes a dummy one for an
        # unknown email; a locked attempt checks none, for either.
        assert real_hashes == unknown_hashes == (0 if attempt >= 5 else 1), attempt
        if attempt >= 5:
            assert real_queries == unknown_queries, attempt
        else:
            # allauth's backend looks an unknown email up in the user table too (one indexed
            # SELECT; it skips it when a verified address matched). Ours are the same.
            assert unknown_queries - real_queries == 1, attempt


def test_a_lockout_emails_the_owner_after_commit_and_only_a_real_one(
    client, learner, django_capture_on_commit_callbacks
):
    """The owner gets one calm email, sent by a task queued on commit; an unknown email's lock
    queues the same task, which sends nothing."""
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        _fail(client, learner.email, 5)
    assert mail.outbox == []  # nothing sent inside the request's transaction
    for callback in callbacks:
        callback()
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [learner.email]
    assert message.subject == "[Training Tracker] Signing in to your account is paused"
    assert "wrongly 5 times in a row" in message.body
    assert "wait 30 minutes" in message.body
    assert "/accounts/password/reset/" in message.body
    assert WRONG not in message.body

    # More refused attempts while locked send nothing more.
    with django_capture_on_commit_callbacks(execute=True):
        _fail(client, learner.email, 3)
    assert len(mail.outbox) == 1

    other = Client()
    with django_capture_on_commit_callbacks(execute=True) as unknown_callbacks:
        _fail(other, UNKNOWN, 5)
    assert len(unknown_callbacks) == len(callbacks)  # the same task queued either way
    assert len(mail.outbox) == 1


def test_the_notice_is_sent_once_even_if_the_task_runs_twice(client, learner):
    """A retried or duplicated task does not send a second email for the same lock."""
    from accounts.notices import lockout_notice_send

    _fail(client, learner.email, 5)
    mail.outbox.clear()
    lock = SignInLock.objects.get(user=learner)
    SignInLock.objects.filter(pk=lock.pk).update(notified_at=None)
    assert lockout_notice_send(lock_id=lock.pk) is True
    assert lockout_notice_send(lock_id=lock.pk) is False
    assert len(mail.outbox) == 1


def _admin_unlock(client, user):
    return client.post(
        "/admin/accounts/user/",
        {"action": "unlock_sign_in", "_selected_action": [user.pk]},
    )


def test_staff_unlock_an_account_in_admin_and_it_is_recorded(client, learner, settings):
    """The user admin's action lifts the lock at once; the audit log names the staff member."""
    settings.LMS_REQUIRE_MFA = False
    _fail(Client(), learner.email, 5)
    staff = factories.UserFactory(is_staff=True, is_superuser=True)
    client.force_login(staff)
    listing = client.get("/admin/accounts/user/?sign_in_locked=yes")
    assert list(listing.context["cl"].queryset) == [learner]
    response = _admin_unlock(client, learner)
    assert response.status_code == 302
    assert not SignInLock.objects.filter(user=learner).exists()
    event = AuditEvent.objects.get(action="auth.unlocked")
    assert (event.actor_id, event.target_id, event.details["by"]) == (
        staff.pk,
        str(learner.pk),
        "staff",
    )
    assert _post(Client(), learner.email, factories.PASSWORD).status_code == 302


def test_only_staff_can_unlock(client, learner, agency, settings):
    """A learner or a supervisor posting the admin action changes nothing."""
    settings.LMS_REQUIRE_MFA = False
    _fail(Client(), learner.email, 5)
    for intruder in (
        factories.learner_of(agency, email="peer@example.org"),
        factories.supervisor_of(agency, email="boss@example.org"),
    ):
        client.force_login(intruder)
        response = _admin_unlock(client, learner)
        assert response.status_code == 302
        assert response["Location"].startswith("/admin/login/")
    assert SignInLock.objects.get(user=learner).locked_at is not None
    assert not AuditEvent.objects.filter(action="auth.unlocked").exists()


def test_stale_counts_are_pruned_daily(client, learner):
    """The daily housekeeping forgets failures and locks the cool-off has made moot."""
    from accounts.tasks import clear_expired_sessions

    _fail(client, UNKNOWN, 2)
    _fail(client, learner.email, 5)
    clear_expired_sessions()
    assert SignInLock.objects.count() == 2  # both still within the cool-off
    SignInLock.objects.update(
        last_failure_at=timezone.now() - timedelta(hours=1),
        locked_at=None,
    )
    SignInLock.objects.filter(user=learner).update(locked_at=timezone.now() - timedelta(hours=1))
    clear_expired_sessions()
    assert SignInLock.objects.count() == 0
    assert AuditEvent.objects.filter(action="auth.unlocked", details__by="cool-off").count() == 1


# --- allauth's per-address limits behind the proxy ----------------------------------------


@pytest.fixture
def production_limits(settings):
    """The rate limits as deployed (the test settings turn them off), behind one proxy."""
    settings.ACCOUNT_RATE_LIMITS = base_settings.ACCOUNT_RATE_LIMITS
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1


def _via_proxy(address: str) -> Client:
    """A browser at ``address`` reaching the site through the deployment's proxy."""
    return Client(REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR=address)


def test_one_clients_failures_never_refuse_another_clients_right_password(
    production_limits, learner
):
    """Made-up emails from one client, until its address is refused, leave another client's
    sign-in through the same proxy untouched."""
    attacker = _via_proxy("203.0.113.66")
    refused = 0
    for i in range(40):
        response = _post(attacker, f"made-up-{i}@example.org", WRONG)
        refused += "too many" in response.content.decode().lower()
    assert refused > 0  # the attacker's address met allauth's limit
    assert _post(_via_proxy("198.51.100.7"), learner.email, factories.PASSWORD).status_code == 302


def test_an_agency_behind_one_address_can_sign_in_together(production_limits, agency):
    """Sixty officers signing in within a minute from one agency address are all admitted
    (allauth's default admitted 30 a minute per address)."""
    officers = [factories.learner_of(agency, email=f"officer{i}@example.org") for i in range(60)]
    for officer in officers:
        response = _post(_via_proxy("192.0.2.10"), officer.email, factories.PASSWORD)
        assert response.status_code == 302, officer.email


def test_wrong_passwords_when_asked_again_count_too(client, learner):
    """The password asked again before a security change is a password check like any other:
    five wrong ones lock the account."""
    client.force_login(learner)
    for _ in range(5):
        response = client.post("/accounts/reauthenticate/", {"password": WRONG})
        assert response.status_code == 200
    response = client.post("/accounts/reauthenticate/", {"password": factories.PASSWORD})
    assert response.status_code == 200
    assert LOCKED_TEXT in response.content.decode()
    assert LOCKED_TEXT in _post(Client(), learner.email, factories.PASSWORD).content.decode()
