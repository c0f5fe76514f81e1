"""Staff reset a user's MFA (a lost phone or key) in Django admin, through
``accounts.services.mfa_reset``: audited, the owner signed out and emailed."""

import pytest
from allauth.mfa.models import Authenticator
from django.contrib.auth.models import Group, Permission
from django.core import mail
from django.core.exceptions import PermissionDenied

from accounts.services import mfa_reset
from audit.models import AuditEvent
from tests import factories
from tests.accounts.mfa import EMAIL_CODE_URL, TOTP_ACTIVATE_URL, sign_in
from tests.accounts.mfa import CommitClient as Client

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/accounts/user/"


@pytest.fixture
def client():
    return Client()


def _with_mfa(user) -> None:
    Authenticator.objects.create(user=user, type=Authenticator.Type.TOTP, data={"secret": "S"})
    Authenticator.objects.create(user=user, type=Authenticator.Type.RECOVERY_CODES, data={})
    Authenticator.objects.create(
        user=user, type=Authenticator.Type.WEBAUTHN, data={"name": "Key", "credential": {}}
    )


def _reset_permission_holder(**kwargs):
    """Staff (not superuser) given the reset permission through a group."""
    user = factories.UserFactory(is_staff=True, **kwargs)
    group, _ = Group.objects.get_or_create(name="Help desk")
    group.permissions.add(Permission.objects.get(codename="reset_mfa"))
    user.groups.add(group)
    return user


def test_a_reset_removes_every_authenticator_ends_sessions_records_and_emails(
    supervisor, staff, learner, django_capture_on_commit_callbacks
):
    _with_mfa(supervisor)
    _with_mfa(learner)
    theirs, bystander = Client(), Client()
    theirs.force_login(supervisor)
    bystander.force_login(learner)

    with django_capture_on_commit_callbacks(execute=True):
        removed = mfa_reset(user=supervisor, by=staff)

    assert removed == ["recovery_codes", "totp", "webauthn"]
    assert not Authenticator.objects.filter(user=supervisor).exists()
    assert Authenticator.objects.filter(user=learner).count() == 3  # nobody else's
    assert theirs.get("/accounts/profile/")["Location"].startswith("/accounts/login/")  # out
    assert bystander.get("/accounts/profile/").status_code == 200
    event = AuditEvent.objects.get(action="mfa.reset")
    assert (event.actor_id, event.target_id, event.outcome) == (
        staff.pk,
        str(supervisor.pk),
        "success",
    )
    assert event.details == {"removed": ["recovery_codes", "totp", "webauthn"], "sessions_ended": 1}
    (message,) = mail.outbox
    assert message.to == ["supervisor@example.org"]
    assert message.subject == "[Training Tracker] Your two-factor authentication was reset"
    assert "An administrator reset the two-factor authentication" in message.body


def test_after_a_reset_the_supervisor_needs_the_emailed_code_again(
    client, supervisor, staff, settings
):
    settings.LMS_REQUIRE_MFA = True
    _with_mfa(supervisor)
    mfa_reset(user=supervisor, by=staff)
    sign_in(client, supervisor)
    assert client.get("/agency/")["Location"] == "/accounts/2fa/"
    assert client.get(TOTP_ACTIVATE_URL)["Location"].startswith(EMAIL_CODE_URL)


@pytest.mark.parametrize(
    "who",
    ["supervisor", "learner", "staff_without_permission", "themselves"],
)
def test_only_staff_allowed_to_reset_may_reset(request, supervisor, staff, who):
    """Refused, and nothing removed, for a supervisor, a learner, staff without the
    permission, and anyone resetting their own."""
    target = staff if who == "themselves" else supervisor
    by = {
        "supervisor": factories.supervisor_of(factories.AgencyFactory()),
        "learner": request.getfixturevalue("learner"),
        "staff_without_permission": factories.UserFactory(is_staff=True),
        "themselves": staff,
    }[who]
    _with_mfa(target)
    with pytest.raises(PermissionDenied):
        mfa_reset(user=target, by=by)
    assert Authenticator.objects.filter(user=target).count() == 3
    assert not AuditEvent.objects.filter(action="mfa.reset").exists()


def test_staff_given_the_permission_reset_users_but_not_superusers(supervisor, staff):
    helper = _reset_permission_holder(email="helpdesk@example.org")
    _with_mfa(supervisor)
    _with_mfa(staff)
    mfa_reset(user=supervisor, by=helper)
    assert not Authenticator.objects.filter(user=supervisor).exists()
    with pytest.raises(PermissionDenied):
        mfa_reset(user=staff, by=helper)  # a superuser's: only another superuser
    assert Authenticator.objects.filter(user=staff).count() == 3


def test_the_admin_action_asks_to_confirm_then_resets(client, supervisor, staff):
    _with_mfa(supervisor)
    client.force_login(staff)
    data = {"action": "reset_mfa", "_selected_action": [supervisor.pk]}
    page = client.post(CHANGELIST, data)
    assert page.status_code == 200
    body = page.content.decode()
    assert (
        "supervisor@example.org" in body
        and "authenticator app, 1 security key, recovery codes" in body
    )
    assert Authenticator.objects.filter(user=supervisor).count() == 3  # not yet

    response = client.post(CHANGELIST, {**data, "apply": "1"}, follow=True)
    assert "Reset two-factor authentication for 1 user, who was" in response.content.decode()
    assert not Authenticator.objects.filter(user=supervisor).exists()
    assert AuditEvent.objects.get(action="mfa.reset").actor_id == staff.pk
    assert len(mail.outbox) == 1


def test_the_admin_action_skips_the_staff_members_own_account(client, staff):
    _with_mfa(staff)
    client.force_login(staff)
    data = {"action": "reset_mfa", "_selected_action": [staff.pk], "apply": "1"}
    response = client.post(CHANGELIST, data, follow=True)
    assert "1 user skipped" in response.content.decode()
    assert Authenticator.objects.filter(user=staff).count() == 3


def test_staff_without_the_permission_are_not_offered_the_action(client, supervisor):
    """They may change users, yet the reset action is neither listed nor carried out."""
    clerk = factories.UserFactory(is_staff=True)
    clerk.user_permissions.add(
        *Permission.objects.filter(codename__in=["view_user", "change_user"])
    )
    _with_mfa(supervisor)
    client.force_login(clerk)
    page = client.get(CHANGELIST)
    assert page.status_code == 200
    assert "reset_mfa" not in page.content.decode()
    data = {"action": "reset_mfa", "_selected_action": [supervisor.pk], "apply": "1"}
    client.post(CHANGELIST, data)
    assert Authenticator.objects.filter(user=supervisor).count() == 3


def test_non_staff_cannot_post_the_action(client, supervisor, learner):
    _with_mfa(learner)
    client.force_login(supervisor)
    data = {"action": "reset_mfa", "_selected_action": [learner.pk], "apply": "1"}
    response = client.post(CHANGELIST, data)
    assert response.status_code == 302  # to the admin's sign-in, which refuses them
    assert Authenticator.objects.filter(user=learner).count() == 3


def test_authenticators_are_read_only_in_the_admin_and_show_no_secret(client, supervisor, staff):
    """allauth's own admin would let staff add an authenticator for someone, or delete one
    unrecorded, and shows the stored TOTP secret."""
    _with_mfa(supervisor)
    totp = Authenticator.objects.get(user=supervisor, type="totp")
    totp.data = {"secret": "JBSWY3DPEHPK3PXP"}
    totp.save()
    client.force_login(staff)
    change = client.get(f"/admin/mfa/authenticator/{totp.pk}/change/")
    assert change.status_code == 200
    assert "JBSWY3DPEHPK3PXP" not in change.content.decode()
    assert client.get("/admin/mfa/authenticator/add/").status_code == 403
    assert client.post(f"/admin/mfa/authenticator/{totp.pk}/delete/").status_code == 403
    assert Authenticator.objects.filter(pk=totp.pk).exists()
