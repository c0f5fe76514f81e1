"""Passwords are hashed with Argon2; older PBKDF2 hashes are upgraded at sign-in."""

import pytest
from django.contrib.auth.hashers import identify_hasher, make_password

from accounts.models import User
from tests import factories

PASSWORD = "a long enough pass phrase 42"
ARGON2_FIRST = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]


@pytest.fixture
def pbkdf2_user(db, settings) -> User:
    """A user whose password was hashed before Argon2 (Django's default PBKDF2)."""
    settings.PASSWORD_HASHERS = ARGON2_FIRST
    user = factories.UserFactory(email="old.hash@pd.example.gov")
    User.objects.filter(pk=user.pk).update(password=make_password(PASSWORD, hasher="pbkdf2_sha256"))
    return user


def test_base_settings_hash_with_argon2_and_still_verify_pbkdf2():
    """Argon2 is first (new hashes); PBKDF2 stays listed so existing hashes still verify."""
    from lms.settings import base

    assert base.PASSWORD_HASHERS[0] == "django.contrib.auth.hashers.Argon2PasswordHasher"
    assert "django.contrib.auth.hashers.PBKDF2PasswordHasher" in base.PASSWORD_HASHERS


def test_new_password_is_hashed_with_argon2(settings):
    """With the production hashers, set_password writes an argon2 hash that verifies."""
    settings.PASSWORD_HASHERS = ARGON2_FIRST
    user = User(email="new@pd.example.gov")
    user.set_password(PASSWORD)
    assert user.password.startswith("argon2$argon2id$")
    assert user.check_password(PASSWORD) and not user.check_password("wrong " + PASSWORD)


def test_pbkdf2_hash_is_upgraded_to_argon2_at_sign_in(client, pbkdf2_user: User):
    """Signing in through allauth's login page with a PBKDF2 hash leaves an argon2 one."""
    pbkdf2_user.refresh_from_db()
    assert identify_hasher(pbkdf2_user.password).algorithm == "pbkdf2_sha256"

    response = client.post("/accounts/login/", {"login": pbkdf2_user.email, "password": PASSWORD})

    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(pbkdf2_user.pk)
    pbkdf2_user.refresh_from_db()
    assert identify_hasher(pbkdf2_user.password).algorithm == "argon2"
    assert pbkdf2_user.check_password(PASSWORD)


def test_failed_sign_in_leaves_the_old_hash_alone(client, pbkdf2_user: User):
    """A wrong password neither signs in nor rewrites the stored hash."""
    before = User.objects.values_list("password", flat=True).get(pk=pbkdf2_user.pk)

    response = client.post(
        "/accounts/login/", {"login": pbkdf2_user.email, "password": "wrong " + PASSWORD}
    )

    assert response.status_code == 200 and "_auth_user_id" not in client.session
    assert User.objects.values_list("password", flat=True).get(pk=pbkdf2_user.pk) == before
