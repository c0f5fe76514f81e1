import pytest

from reminders.models import EmailPreference
from reminders.sending import unsubscribe_token
from tests import factories

pytestmark = pytest.mark.django_db


def test_preferences_are_written_only_when_saved(client, learner):
    """Opening the page, or a submission refused before its form is read (a multipart body
    without a boundary: 400), writes nothing (found by the fuzz: both created the row)."""
    client.force_login(learner)
    assert client.get("/reminders/preferences/").status_code == 200
    refused = client.post(
        "/reminders/preferences/", data=b"\x00", content_type="multipart/form-data"
    )
    assert refused.status_code == 400
    assert not EmailPreference.objects.exists()


def test_one_click_unsubscribe_works_without_a_session(client, learner):
    """A mail client's POST to the signed link turns that kind off; GET only asks."""
    url = f"/reminders/unsubscribe/{unsubscribe_token(user_id=learner.pk, kind='inactive')}/"
    page = client.get(url)
    assert page.status_code == 200 and b"Stop" in page.content
    assert not EmailPreference.objects.exists()
    done = client.post(url, {"List-Unsubscribe": "One-Click"})
    assert done.status_code == 200
    preference = EmailPreference.objects.get(user=learner)
    assert (preference.inactive_nudges, preference.weekly_digest) == (False, True)


def test_a_tampered_or_unknown_link_is_refused(client, learner):
    """A forged token changes nothing."""
    token = unsubscribe_token(user_id=learner.pk, kind="inactive")
    for bad in (token[:-3] + "xyz", "nonsense", unsubscribe_token(user_id=learner.pk, kind="due")):
        assert client.post(f"/reminders/unsubscribe/{bad}/").status_code == 404
    assert not EmailPreference.objects.exists()


def test_preferences_page(client, learner):
    """A signed-in learner turns optional emails on and off; anonymous users must sign in."""
    assert client.get("/reminders/preferences/").status_code == 302
    client.force_login(learner)
    assert client.get("/reminders/preferences/").status_code == 200
    client.post("/reminders/preferences/", {"inactive_nudges": "on"})
    preference = EmailPreference.objects.get(user=learner)
    assert (preference.inactive_nudges, preference.weekly_digest) == (True, True)
    client.post("/reminders/preferences/", {})
    assert not EmailPreference.objects.get(user=learner).inactive_nudges


def test_a_learner_is_not_offered_the_supervisors_digest(learner_client):
    """The weekly digest of overdue learners is a supervisor's email: a learner's page has no
    such choice."""
    page = learner_client.get("/reminders/preferences/")
    assert b'name="inactive_nudges"' in page.content
    assert b'name="weekly_digest"' not in page.content
    assert b"digest" not in page.content.lower()


@pytest.mark.parametrize("stored", [True, False])
def test_a_learner_posting_the_digest_field_changes_nothing(learner_client, learner, stored):
    """A forged digest field (on, or left out, which a checkbox means off) leaves the digest
    choice as it was; the learner's own choice is saved."""
    EmailPreference.objects.create(user=learner, weekly_digest=stored)
    posted = {"inactive_nudges": "on"} | ({} if stored else {"weekly_digest": "on"})
    response = learner_client.post("/reminders/preferences/", posted)
    assert response.status_code == 302
    preference = EmailPreference.objects.get(user=learner)
    assert (preference.inactive_nudges, preference.weekly_digest) == (True, stored)


def test_a_supervisor_chooses_the_weekly_digest(client, agency):
    """Someone who supervises an agency is offered the digest and can turn it off and on."""
    supervisor = factories.supervisor_of(agency)
    client.force_login(supervisor)
    page = client.get("/reminders/preferences/")
    assert b'name="weekly_digest"' in page.content
    assert b"digest of the learners of your agencies" in page.content
    client.post("/reminders/preferences/", {"inactive_nudges": "on"})
    assert not EmailPreference.objects.get(user=supervisor).weekly_digest
    client.post("/reminders/preferences/", {"weekly_digest": "on"})
    preference = EmailPreference.objects.get(user=supervisor)
    assert (preference.inactive_nudges, preference.weekly_digest) == (False, True)
