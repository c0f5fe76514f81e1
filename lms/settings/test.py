"""Test settings: the base settings with fast password hashing and in-memory email."""

import json as _json

from joserfc.jwk import OKPKey as _OKPKey

from lms.settings.base import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
MEDIA_ROOT = BASE_DIR / "var" / "test-media"  # noqa: F405
STORAGES["staticfiles"]["BACKEND"] = "django.contrib.staticfiles.storage.StaticFilesStorage"  # noqa: F405
ACCOUNT_RATE_LIMITS = False  # type: ignore[assignment]  # allauth reads False as none
STATIC_ROOT = None  # type: ignore[assignment]  # tests serve static files from the finders; nothing is collected
# Tasks run in-process in tests, whatever REDIS_URL says: the worker-on-Redis integration tests
# switch this off themselves. (Otherwise a task sent with a broker configured would wait in Redis.)
CELERY_TASK_ALWAYS_EAGER = True
# Each test run has its own cache (tests clear it between tests): never a Redis shared with
# the last run, whose entries would name other objects with the same ids.
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# A signing key of the test run's own, in memory: tests never write the embedded default's
# var/signing_key.jwk (those about generating it point LMS_SIGNING_KEY_DEFAULT_FILE elsewhere).
LMS_SIGNING_KEY = _json.dumps(_OKPKey.generate_key("Ed25519").as_dict(private=True))
