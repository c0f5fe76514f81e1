"""Each certificate is an Open Badges 3.0 credential signed as a VC-JWT, verified here with an
independent JOSE library (PyJWT) against the key set the site publishes."""

import base64
import json
import stat
from datetime import datetime
from decimal import Decimal

import jwt
import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import Client
from joserfc.jwk import OKPKey

from accounts.models import User
from certificates import signing
from certificates.credentials import credential_payload
from certificates.models import Certificate
from certificates.services import certificate_revoke
from courses.models import Series
from tests import factories
from tests.certificates.conftest import finish as _finish

pytestmark = pytest.mark.django_db

BASE = "https://training.example.gov"


@pytest.fixture(autouse=True)
def _site(settings):
    settings.LMS_BASE_URL = BASE


@pytest.fixture
def certificate(learner, series) -> Certificate:
    Series.objects.filter(pk=series.pk).update(
        credit_hours=Decimal("1.5"), credit_type="POST CPT", provider="NCMEC"
    )
    User.objects.filter(pk=learner.pk).update(certificate_name="Det. Jordan A. Ellis")
    learner.refresh_from_db()
    return Certificate.objects.get(enrollment=_finish(learner, series))


def _client(user: User | None = None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def _token(certificate: Certificate, user: User | None = None) -> str:
    response = _client(user or certificate.user).get(
        f"/certificates/{certificate.code}/credential.jwt"
    )
    assert response.status_code == 200
    return response.content.decode()


def _published_key(token: str) -> jwt.PyJWK:
    """The key the token names, from the published key set (fetched as a verifier would)."""
    keys = Client().get("/.well-known/jwks.json").json()["keys"]
    kid = jwt.get_unverified_header(token)["kid"]
    return jwt.PyJWK(next(key for key in keys if key["kid"] == kid))


def _verify(token: str, key: jwt.PyJWK | None = None) -> dict:
    return jwt.decode(
        token,
        key=key or _published_key(token),
        algorithms=["EdDSA"],
        options={"require": ["iss", "jti", "nbf", "sub"]},
    )


def test_the_credential_verifies_against_the_published_key_set(certificate):
    """PyJWT, not the library that signed, checks the signature with the key from jwks.json."""
    token = _token(certificate)
    header = jwt.get_unverified_header(token)
    assert header == {"alg": "EdDSA", "kid": header["kid"], "typ": "JWT"}
    assert header["kid"].startswith(f"{BASE}/.well-known/jwks.json#")
    claims = _verify(token)
    assert claims["type"] == ["VerifiableCredential", "OpenBadgeCredential"]


def test_the_credential_names_learner_series_hours_date_and_verification_url(certificate):
    """What an agency needs to see, as it was at issue."""
    claims = _verify(_token(certificate))
    verify_url = f"{BASE}/certificates/verify/{certificate.code}/"
    assert claims["id"] == claims["jti"] == verify_url
    assert claims["@context"] == [
        "https://www.w3.org/ns/credentials/v2",
        "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
    ]
    assert claims["issuer"]["id"] == claims["iss"] == f"{BASE}/"
    assert claims["issuer"]["type"] == ["Profile"]
    subject = claims["credentialSubject"]
    assert subject["type"] == ["AchievementSubject"]
    assert subject["name"] == "Det. Jordan A. Ellis"
    assert subject["identifier"][0]["identityHash"] == "Det. Jordan A. Ellis"
    assert subject["activityEndDate"] == certificate.completed_on.isoformat()
    assert subject["creditsEarned"] == 1.5
    achievement = subject["achievement"]
    assert achievement["type"] == ["Achievement"]
    assert achievement["name"] == certificate.series_title
    assert achievement["creditsAvailable"] == 1.5
    assert achievement["creator"]["name"] == "NCMEC"
    assert "POST CPT" in achievement["description"]
    assert achievement["criteria"]["narrative"]
    valid_from = datetime.fromisoformat(claims["validFrom"])
    assert claims["nbf"] == claims["iat"] == int(valid_from.timestamp())
    assert int(certificate.issued_at.timestamp()) == claims["nbf"]


def test_the_subject_is_stable_and_names_no_email(certificate, series):
    """sub = credentialSubject.id: the same for the learner's every credential, no email in it."""
    claims = _verify(_token(certificate))
    assert claims["sub"] == claims["credentialSubject"]["id"]
    assert claims["sub"].startswith("urn:uuid:")
    token = _token(certificate)
    assert certificate.user.email not in json.dumps(claims)
    assert certificate.user.email.split("@")[0] not in token
    assert _verify(token)["sub"] == claims["sub"]


def test_a_later_name_change_does_not_alter_the_credential(certificate):
    """The name as at issue, whatever the profile says now."""
    User.objects.filter(pk=certificate.user_id).update(certificate_name="Someone Else")
    assert _verify(_token(certificate))["credentialSubject"]["name"] == "Det. Jordan A. Ellis"


def test_a_tampered_payload_fails_verification(certificate):
    """One character of the payload changed: the signature no longer holds."""
    header, payload, signature = _token(certificate).split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["credentialSubject"]["creditsEarned"] = 15.0
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    key = _published_key(_token(certificate))
    with pytest.raises(jwt.InvalidSignatureError):
        _verify(f"{header}.{forged}.{signature}", key)
    flipped = payload[:10] + ("A" if payload[10] != "A" else "B") + payload[11:]
    with pytest.raises(jwt.exceptions.DecodeError):
        _verify(f"{header}.{flipped}.{signature}", key)


def test_a_token_signed_by_another_key_fails(certificate, settings):
    """Someone else's Ed25519 key, even with our kid in the header, does not verify."""
    genuine = _token(certificate)
    published = _published_key(genuine)
    stranger = OKPKey.generate_key("Ed25519").as_dict(private=True)
    settings.LMS_SIGNING_KEY = json.dumps(stranger)
    forged = _token(certificate)
    header = jwt.get_unverified_header(forged)
    assert header["kid"] != jwt.get_unverified_header(genuine)["kid"]
    relabelled = jwt.encode(
        jwt.decode(forged, options={"verify_signature": False}),
        jwt.PyJWK(stranger).key,
        algorithm="EdDSA",
        headers={"kid": jwt.get_unverified_header(genuine)["kid"]},
    )
    for token in (forged, relabelled):
        with pytest.raises(jwt.InvalidSignatureError):
            _verify(token, published)


def test_the_key_set_has_no_private_material():
    """Only the public half: kty, crv, x, kid, use, alg; never "d"."""
    response = Client().get("/.well-known/jwks.json")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert "public" in response["Cache-Control"] and "max-age" in response["Cache-Control"]
    (key,) = response.json()["keys"]
    assert set(key) == {"kty", "crv", "x", "kid", "use", "alg"}
    assert (key["kty"], key["crv"], key["use"], key["alg"]) == ("OKP", "Ed25519", "sig", "EdDSA")
    assert b'"d"' not in response.content


def test_a_retired_key_stays_published_and_still_verifies(certificate, settings):
    """Rotation: a key set whose first key signs; the retired one (public part) stays listed."""
    old_token = _token(certificate)
    old_public = _published_key(old_token)
    retired = {k: v for k, v in json.loads(settings.LMS_SIGNING_KEY).items() if k != "d"}
    current = OKPKey.generate_key("Ed25519").as_dict(private=True)
    settings.LMS_SIGNING_KEY = json.dumps({"keys": [current, retired]})
    keys = Client().get("/.well-known/jwks.json").json()["keys"]
    assert len(keys) == 2 and all("d" not in key for key in keys)
    assert _verify(old_token)["jti"] == _verify(_token(certificate))["jti"]
    assert jwt.get_unverified_header(_token(certificate))["kid"] != old_public.key_id


def test_the_credential_is_served_privately_as_a_jwt(certificate):
    response = _client(certificate.user).get(f"/certificates/{certificate.code}/credential.jwt")
    assert response["Content-Type"] == "application/jwt"
    assert response["Cache-Control"] == "private, no-store"
    disposition = f'attachment; filename="certificate-{certificate.code}.jwt"'
    assert response["Content-Disposition"] == disposition


def test_learner_and_supervisor_of_the_agency_and_staff_get_the_credential(certificate, agency):
    """The same people who may fetch the PDF."""
    supervisor = factories.supervisor_of(agency)
    staff = User.objects.create_user(email="staff@example.org", password="x", is_staff=True)
    for user in (certificate.user, supervisor, staff):
        assert _verify(_token(certificate, user))["jti"].endswith(f"/{certificate.code}/")


def test_others_get_404(certificate, agency, other_agency, other_learner):
    """Another agency's supervisor, another learner (even of the same agency), an author."""
    url = f"/certificates/{certificate.code}/credential.jwt"
    for user in (
        factories.supervisor_of(other_agency),
        other_learner,
        factories.learner_of(agency),
        factories.author(),
    ):
        assert _client(user).get(url).status_code == 404, user


def test_a_stranger_cannot_tell_a_real_code_from_none(certificate, other_learner):
    client = _client(other_learner)
    real = client.get(f"/certificates/{certificate.code}/credential.jwt")
    unknown = client.get("/certificates/no-such-code/credential.jwt")
    assert real.status_code == unknown.status_code == 404
    assert real.content == unknown.content


def test_anonymous_users_are_sent_to_sign_in(certificate):
    url = f"/certificates/{certificate.code}/credential.jwt"
    response = Client().get(url)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_a_revoked_certificate_is_gone(certificate, agency):
    """410 for those who may see it (the public page says it is revoked); 404 still for others."""
    staff = User.objects.create_user(email="staff@example.org", password="x", is_staff=True)
    certificate_revoke(certificate=certificate, by=staff, reason="Issued in error.")
    response = _client(certificate.user).get(f"/certificates/{certificate.code}/credential.jwt")
    assert response.status_code == 410
    assert f"/certificates/verify/{certificate.code}/" in response.content.decode()
    stranger = factories.learner_of(agency)
    url = f"/certificates/{certificate.code}/credential.jwt"
    assert _client(stranger).get(url).status_code == 404


def test_the_payload_is_the_same_every_time(certificate):
    """Built from the certificate alone: the same certificate, the same credential."""
    assert credential_payload(certificate) == credential_payload(certificate)
    assert _token(certificate) == _token(certificate)


# --- The key: generated once for the embedded default, reused after ------------------------


def test_without_a_key_one_is_generated_once_and_reused(settings, tmp_path):
    """Two loads (even after the in-process cache is dropped) give the same kid; mode 0600."""
    path = tmp_path / "var" / "signing_key.jwk"
    settings.LMS_SIGNING_KEY = ""
    settings.LMS_SIGNING_KEY_DEFAULT_FILE = path
    first = signing.key_id(signing.signing_keys().signing)
    assert path.exists()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    signing._cache.clear()
    second = signing.key_id(signing.signing_keys().signing)
    assert first == second
    assert json.loads(path.read_text())["d"]
    assert list(tmp_path.joinpath("var").iterdir()) == [path]  # no temporary file left


def test_a_key_file_path_is_read(settings, tmp_path):
    key = OKPKey.generate_key("Ed25519")
    path = tmp_path / "key.jwk"
    path.write_text(json.dumps(key.as_dict(private=True)))
    settings.LMS_SIGNING_KEY = str(path)
    assert signing.signing_keys().signing.thumbprint() == key.thumbprint()


@pytest.mark.parametrize(
    "value",
    [
        "{not json",
        json.dumps({"kty": "oct", "k": "c2VjcmV0"}),
        json.dumps(OKPKey.generate_key("Ed25519").as_dict(private=False)),
        "/no/such/signing/key.jwk",
    ],
    ids=["not-json", "not-okp", "public-only", "missing-file"],
)
def test_a_wrong_key_is_refused(settings, value):
    """A key that cannot sign is a configuration error, said plainly."""
    settings.LMS_SIGNING_KEY = value
    with pytest.raises(ImproperlyConfigured):
        signing.signing_keys()
