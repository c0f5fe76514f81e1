"""Production settings: the base settings behind TLS, with DEBUG off by default.

``python manage.py check --deploy --fail-level WARNING`` passes with these settings and the
environment a deployment sets (SECRET_KEY, LMS_SIGNING_KEY, ALLOWED_HOSTS, DATABASE_URL, ...);
CI runs it (.ci/run), and so does tests/test_deploy_check.py.
"""

import os

os.environ.setdefault("DEBUG", "false")

from lms.settings.base import *  # noqa: F403

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)  # noqa: F405
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
LANGUAGE_COOKIE_SECURE = True
# HSTS for a year, subdomains included: browsers then refuse plain HTTP to the site.
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)  # noqa: F405
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
# Preloading is the domain owner's decision, not this application's: a domain on the browsers'
# preload lists is HTTPS-only, every subdomain with it, from the browser's first visit on, and
# leaving the lists takes months. So it is off unless the deployment says
# SECURE_HSTS_PRELOAD=true; with it off, check --deploy's warning that it is off
# (security.W021) is silenced, as that decision was made on purpose. With it on, nothing is.
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)  # noqa: F405
if not SECURE_HSTS_PRELOAD:
    SILENCED_SYSTEM_CHECKS = ["security.W021"]
