import pytest

from reminders.models import EmailPreference
from reminders.sending import unsubscribe_token

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
    client.post("/reminders/preferences/", {"weekly_digest": "on"})
    preference = EmailPreference.objects.get(user=learner)
    assert (preference.inactive_nudges, preference.weekly_digest) == (False, True)
