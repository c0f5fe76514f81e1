"""The web layer's headers: Content-Security-Policy, Permissions-Policy and ``no-store`` on what
Django serves; static files keep their long cache; the videos keep their own sandbox.

(The URL matrix checks the same three headers on every URL for every role.)"""

from datetime import UTC, datetime

import pytest
from django.core.management import call_command
from django.templatetags.static import static
from django.test import Client

from certificates.models import Certificate
from courses import services
from tests import factories
from tests.certificates.conftest import finish

pytestmark = pytest.mark.django_db

CSP = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data:",
    "media-src": "'self'",
    "connect-src": "'self'",
    "font-src": "'self'",
    "object-src": "'none'",
    "frame-src": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}
NO_STORE = "no-store, private"
VIDEO_URL = "/series/working-with-survivors/understanding/intro-video/"


def _client(user=None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def _policy(response) -> dict[str, str]:
    """The Content-Security-Policy's directives (django-csp writes them in no fixed order)."""
    directives = [d.strip().split(" ", 1) for d in response["Content-Security-Policy"].split(";")]
    return {name: value for name, value in directives}


def _read(response) -> bytes:
    if response.streaming:
        return b"".join(response.streaming_content)
    return response.content


@pytest.fixture
def certificate(learner, series) -> Certificate:
    """The learner completed the series: their certificate."""
    enrollment = finish(learner, series, now=datetime(2026, 3, 9, 15, 0, tzinfo=UTC))
    return Certificate.objects.get(enrollment=enrollment)


@pytest.fixture
def people(agency, learner, certificate):
    """A learner with a certificate, their agency's supervisor, an author and a staff user."""
    return {
        "learner": learner,
        "certificate": certificate,
        "supervisor": factories.supervisor_of(agency, email="chief@example.org"),
        "author": factories.author(email="writer@example.org"),
        "staff": factories.UserFactory(email="root@example.org", is_staff=True, is_superuser=True),
    }


def test_pages_carry_the_strict_content_security_policy(learner):
    """A signed-in page and the sign-in page: the policy, exactly, with nothing inline allowed."""
    for client, url in ((_client(learner), "/"), (_client(), "/accounts/login/")):
        response = client.get(url)
        assert response.status_code == 200
        assert _policy(response) == CSP
        assert "Content-Security-Policy-Report-Only" not in response


def test_the_policy_allows_neither_inline_code_nor_eval():
    """No 'unsafe-inline', 'unsafe-eval', 'unsafe-hashes', nonce or wildcard source."""
    policy = _client().get("/accounts/login/")["Content-Security-Policy"]
    assert policy.count(";") == len(CSP) - 1
    for loose in ("unsafe", "nonce-", "*", "http:", "https:"):
        assert loose not in policy


def test_permissions_policy_denies_devices_and_allows_fullscreen_for_the_site(learner):
    """Camera, microphone, geolocation, payment, USB and the rest are off; videos may go full
    screen; security keys and passkeys stay usable on the site."""
    header = _client(learner).get("/")["Permissions-Policy"]
    features = dict(item.split("=", 1) for item in header.split(", "))
    for denied in ("camera", "microphone", "geolocation", "payment", "usb", "serial", "hid"):
        assert features[denied] == "()"
    assert features["fullscreen"] == "(self)"
    assert features["publickey-credentials-get"] == "(self)"
    assert features["publickey-credentials-create"] == "(self)"


def test_anonymous_pages_errors_and_redirects_carry_the_headers():
    """The sign-in page, a 404 and the redirect to sign in get every header too."""
    client = _client()
    for url, status in (("/accounts/login/", 200), ("/no-such-page/", 404), ("/series/", 302)):
        response = client.get(url)
        assert response.status_code == status
        assert _policy(response) == CSP
        assert "camera=()" in response["Permissions-Policy"]
        assert "no-store" in response["Cache-Control"]  # allauth's login adds never_cache's


def test_every_page_and_file_showing_records_is_no_store(people, series):
    """Learner pages, certificates (list, PDF, credential), transcript (page, PDF, CSV), the
    agency's pages and CSVs, studio statistics, admin, profile and allauth's account pages: no
    copy may stay in a cache on a shared terminal."""
    code = people["certificate"].code
    video = series.modules.get(slug="understanding").components.get(slug="intro-video")
    urls = {
        "learner": [
            "/",
            "/series/working-with-survivors/",
            "/certificates/",
            f"/certificates/{code}.pdf",
            f"/certificates/{code}/credential.jwt",
            "/transcript/",
            "/transcript.pdf",
            "/transcript.csv",
            "/accounts/profile/",
            "/accounts/email/",
            "/accounts/password/change/",
            "/accounts/2fa/",
            "/reminders/preferences/",
        ],
        "supervisor": [
            "/agency/",
            "/agency/learners/",
            f"/agency/learners/{people['learner'].pk}/",
            f"/agency/learners/{people['learner'].pk}/transcript/",
            f"/agency/learners/{people['learner'].pk}/transcript.pdf",
            "/agency/export.csv",
            "/agency/hours.csv",
            "/agency/roster.csv",
            "/agency/compliance/",
            f"/certificates/{code}.pdf",
        ],
        "author": ["/studio/", f"/studio/components/{video.pk}/stats/"],
        "staff": ["/admin/", "/admin/accounts/user/", "/admin/certificates/certificate/"],
    }
    checked = 0
    for role, paths in urls.items():
        client = _client(people[role])
        for url in paths:
            response = client.get(url)
            assert response.status_code == 200, (role, url, response.status_code)
            _read(response)
            assert "no-store" in response["Cache-Control"], (role, url, response["Cache-Control"])
            assert "private" in response["Cache-Control"], (role, url)
            checked += 1
    assert checked == sum(len(paths) for paths in urls.values())


def test_csv_and_pdf_downloads_are_no_store(people):
    """The downloads a browser keeps as files are never also kept in its cache."""
    learner = _client(people["learner"])
    supervisor = _client(people["supervisor"])
    code = people["certificate"].code
    for client, url, kind in (
        (learner, "/transcript.csv", "text/csv"),
        (learner, "/transcript.pdf", "application/pdf"),
        (learner, f"/certificates/{code}.pdf", "application/pdf"),
        (supervisor, "/agency/export.csv", "text/csv"),
        (supervisor, "/agency/hours.csv", "text/csv"),
    ):
        response = client.get(url)
        assert response["Content-Type"].startswith(kind), url
        _read(response)
        assert set(response["Cache-Control"].replace(" ", "").split(",")) >= {
            "no-store",
            "private",
        }, url


def test_the_public_verification_page_is_no_store(certificate):
    """It shows a name: not kept by the browser or a proxy either."""
    response = _client().get(f"/certificates/verify/{certificate.code}/")
    assert response.status_code == 200
    assert certificate.learner_name in response.content.decode()
    assert response["Cache-Control"] == NO_STORE


def test_a_view_that_chooses_its_cache_policy_keeps_it():
    """The public key set stays publicly cacheable for an hour."""
    response = _client().get("/.well-known/jwks.json")
    assert response["Cache-Control"] == "public, max-age=3600"


def test_the_video_keeps_its_own_sandbox_policy_and_cache(learner, series):
    """django-csp leaves a response's own Content-Security-Policy alone: the training video is
    still served with ``sandbox`` (never run as a page of the site), cached privately."""
    services.enrollment_create(user=learner, series=series)
    response = _client(learner).get(VIDEO_URL + "media/")
    assert response.status_code == 200
    _read(response)
    assert response["Content-Security-Policy"] == "sandbox"
    assert response["Cache-Control"] == "private, max-age=3600"
    assert "camera=()" in response["Permissions-Policy"]


def test_static_files_keep_their_long_cache(learner, settings, tmp_path):
    """Collected static files served by WhiteNoise (as in production) keep their year-long,
    immutable cache, even for a signed-in user; they still carry the security headers."""
    settings.STATIC_ROOT = tmp_path / "static"
    # Production's storage also compresses (slow here); the hashed names are what WhiteNoise's
    # long cache depends on.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"},
    }
    call_command("collectstatic", interactive=False, verbosity=0)
    url = static("css/lms.css")
    assert url != "/static/css/lms.css"  # the hashed name
    response = _client(learner).get(url)  # a new client loads WhiteNoise with the files above
    assert response.status_code == 200
    _read(response)
    assert response["Cache-Control"] == "max-age=315360000, public, immutable"
    assert "no-store" not in response["Cache-Control"]
    assert _policy(response) == CSP
    assert "camera=()" in response["Permissions-Policy"]
