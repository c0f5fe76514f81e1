"""Settings read from the environment (12-factor).

With nothing set this is the embedded default a newcomer runs: SQLite, Celery tasks run eagerly
in-process, email printed to the console. Set DATABASE_URL, REDIS_URL and EMAIL_URL for the real
services. Settings that must never differ silently between test and production live here.
"""

from copy import deepcopy
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_noop

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()

DEBUG = env.bool("DEBUG", default=True)
_INSECURE_KEY = "insecure-embedded-default-key-never-use-in-production"
SECRET_KEY = env.str("SECRET_KEY", default=_INSECURE_KEY)
if not DEBUG and (SECRET_KEY == _INSECURE_KEY or len(SECRET_KEY) < 32):
    raise ImproperlyConfigured(
        "DEBUG is off: set SECRET_KEY to a random value of at least 32 characters."
    )
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "csp",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_celery_beat",
    "accounts",
    "audit",
    "toolkit",
    "courses",
    "certificates",
    "supervision",
    "reminders",
    "studio",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Security headers on every response, static files included (they sit above WhiteNoise).
    "django_permissions_policy.PermissionsPolicyMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Below WhiteNoise: every response that Django builds (not the static files) and that does
    # not say otherwise is kept out of caches.
    "lms.cache_headers.NoStoreMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # The language: the cookie of the switcher, else the browser's Accept-Language (no URL
    # prefixes: the URLs stay as they are).
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # A signed-in user's preferred language wins over the browser's (accounts/middleware.py).
    "accounts.middleware.PreferredLanguageMiddleware",
    # An unreadable form body is a 400 before any view acts (lms/middleware.py).
    "lms.middleware.FormBodyFirstMiddleware",
    # Every page needs a signed-in user unless its view is marked @login_not_required.
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "accounts.middleware.AgencyTimezoneMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Ends idle and over-long sessions on the server (after Messages: it says why).
    "accounts.middleware.SessionLimitsMiddleware",
    "accounts.middleware.StaffMFAMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
]

ROOT_URLCONF = "lms.urls"
WSGI_APPLICATION = "lms.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "accounts.context_processors.wellness",
                "accounts.context_processors.navigation",
                "accounts.context_processors.session_limits",
            ],
            # {% url %} with its answers remembered (lms/urltag.py): a millisecond a page.
            "builtins": ["lms.urltag"],
        },
    },
]

DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=0))
# A persistent connection (CONN_MAX_AGE > 0) is checked before a request reuses it, so the first
# requests after a database restart reconnect instead of failing on the dead connection.
DATABASES["default"].setdefault("CONN_HEALTH_CHECKS", True)
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL and a busy timeout let the server and a test thread write without "database is locked".
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL;",
            # Take the write lock when a transaction starts, so select_for_update's intent holds.
            "transaction_mode": "IMMEDIATE",
        }
    )
# An optional streaming replica of the primary, read by reports only (lms/db_router.py). Same
# options as the primary; in tests it mirrors the test database (no second test database).
DATABASE_REPLICA_URL = env.str("DATABASE_REPLICA_URL", default="")
if DATABASE_REPLICA_URL:
    DATABASES["replica"] = env.db_url_config(DATABASE_REPLICA_URL)
    _same_engine = DATABASES["replica"]["ENGINE"] == DATABASES["default"]["ENGINE"]
    for _option in ("ATOMIC_REQUESTS", "CONN_MAX_AGE", "CONN_HEALTH_CHECKS", "OPTIONS"):
        # A backend's OPTIONS mean nothing to another (SQLite's pragmas on PostgreSQL).
        if _option in DATABASES["default"] and (_option != "OPTIONS" or _same_engine):
            DATABASES["replica"].setdefault(_option, deepcopy(DATABASES["default"][_option]))
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
DATABASE_ROUTERS = ["lms.db_router.ReplicaRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
# allauth's backend alone (it is Django's ModelBackend underneath, permissions included): every
# sign-in goes through allauth, and a second backend would hash every wrong password twice.
AUTHENTICATION_BACKENDS = ["allauth.account.auth_backends.AuthenticationBackend"]
# Argon2 (memory-hard) first; the PBKDF2 and bcrypt/scrypt entries still verify older hashes,
# and Django rewrites such a hash with Argon2 at the owner's next successful sign-in.
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.BCryptSHA256PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# The client's address behind the deployment's own proxies (lms.clientip): allauth's per-address
# sign-in limits and the audit log read it. A count of proxies that append to X-Forwarded-For,
# or the one header a proxy sets to the client's address; neither: the socket's peer.
ALLAUTH_TRUSTED_PROXY_COUNT = env.int("LMS_TRUSTED_PROXY_COUNT", default=0)
ALLAUTH_TRUSTED_CLIENT_IP_HEADER = env.str("LMS_TRUSTED_CLIENT_IP_HEADER", default="") or None
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "/"

# django-allauth: email is the login, verification is mandatory, MFA is open to every user.
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True  # in the browser that signed up: no second password
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_ADAPTER = "accounts.adapters.AccountAdapter"
ACCOUNT_FORMS = {"signup": "accounts.forms.SignupForm", "add_email": "accounts.forms.AddEmailForm"}
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[Training Tracker] "
# Per client address (lms.clientip), sized for a whole agency signing in through one proxy or
# NAT at a shift change: 300 sign-in posts a minute, 30 failed a minute and 300 an hour (a
# password spray from one address). Guessing one account's password is stopped by the lockout
# (accounts.lockout), not by these windows, which release themselves.
ACCOUNT_RATE_LIMITS = {"login": "300/m/ip", "login_failed": "30/m/ip,300/h/ip"}
# Sign-in protection (README "Sign-in protection"): failed passwords in a row that lock an
# account, until staff unlock it or the cool-off passes; the session's idle and absolute limits
# (accounts.middleware.SessionLimitsMiddleware) and the warning shown before the idle one.
LMS_LOCKOUT_FAILURES = env.int("LMS_LOCKOUT_FAILURES", default=5)
LMS_LOCKOUT_COOLOFF_MINUTES = env.int("LMS_LOCKOUT_COOLOFF_MINUTES", default=30)
LMS_SESSION_IDLE_MINUTES = env.int("LMS_SESSION_IDLE_MINUTES", default=30)
LMS_SESSION_ABSOLUTE_HOURS = env.int("LMS_SESSION_ABSOLUTE_HOURS", default=12)
LMS_SESSION_WARNING_SECONDS = 120
MFA_TOTP_ISSUER = "Training Tracker"
# MFA (accounts: the enrollment code, the staff reset, the audit of every change). Security keys
# and passkeys beside the authenticator app; a passkey (user-verified) also signs in alone.
MFA_SUPPORTED_TYPES = ["totp", "webauthn", "recovery_codes"]
MFA_ADAPTER = "accounts.adapters.MFAAdapter"
# allauth's WebAuthn forms, reading a key's answer within bounds and refusing a malformed one
# instead of a 500 (accounts/forms.py).
MFA_FORMS = {
    "add_webauthn": "accounts.forms.AddWebAuthnForm",
    "authenticate_webauthn": "accounts.forms.AuthenticateWebAuthnForm",
    "login_webauthn": "accounts.forms.LoginWebAuthnForm",
    "reauthenticate_webauthn": "accounts.forms.ReauthenticateWebAuthnForm",
}
MFA_PASSKEY_LOGIN_ENABLED = True
# Never on: fido2 accepts http://localhost itself, and browsers refuse WebAuthn on a bare IP
# address such as 127.0.0.1 whatever the server says (use http://localhost:8000 in the demo).
MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = False
# The owner is emailed after every change to their sign-in: password, email, MFA.
ACCOUNT_EMAIL_NOTIFICATIONS = True

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# English is the source language; Spanish is complete for the learner's pages, the account
# pages and the learner's emails (locale/es/LC_MESSAGES/django.po).
LANGUAGE_CODE = "en-us"
LANGUAGES = [("en", "English"), ("es", "Spanish")]
LOCALE_PATHS = [BASE_DIR / "locale"]
# The switcher's cookie (accounts.views.language): no script reads it.
LANGUAGE_COOKIE_HTTPONLY = True
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
# Uploaded training media. Never served as public files: components stream them to learners.
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(BASE_DIR / "var" / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
# The sender of every email (reminders, sign-in and account emails): a deployment sets an
# address its mail server may send from and that recipients can reply to or recognise.
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Training Tracker <training@localhost>")

REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {
            # An unreachable Redis is a cache miss, not a 500 (lms/cache.py); a short connect
            # timeout keeps a request from waiting on a host that does not answer.
            "BACKEND": "lms.cache.TolerantRedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 2},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Celery: with no broker configured, tasks run eagerly in-process (the embedded default).
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = None
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=not REDIS_URL)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = "UTC"
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
# A broker restart: workers and beat reconnect by themselves, at start-up too (a worker started
# before Redis waits for it). A task running when the connection drops finishes and records its
# outcome in the database (the reminder outbox says what is left, not the broker); Celery 6 would
# cancel it instead, so the choice is stated here.
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = False
# Redis hands a task a worker took but never acknowledged (acks late: the worker died) to a worker
# again after this many seconds. Kombu's default, named here because the reminder sweep reads it:
# it publishes a queued row again only once its last publish is this old (reminders.tasks).
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}

SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False
SESSION_COOKIE_AGE = LMS_SESSION_ABSOLUTE_HOURS * 60 * 60  # the store forgets it at the same limit
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

# Content-Security-Policy (django-csp): scripts, styles and everything else from this site only,
# with no inline script or style anywhere (no 'unsafe-inline', no nonces): templates load static
# files and set classes. data: images are Bootstrap's form icons and allauth's TOTP QR code. A
# response that sets its own policy (the sandboxed video files) keeps it.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "media-src": ["'self'"],
        "connect-src": ["'self'"],
        "font-src": ["'self'"],
        "object-src": ["'none'"],
        "frame-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}
# Permissions-Policy (django-permissions-policy): the browser features this site never uses are
# refused to it and to anything it could embed. Videos may go full screen and picture-in-picture;
# security keys and passkeys (WebAuthn) stay allowed for this site. Only features Chromium
# knows (it logs an error for each unknown name; the browser test fails on that).
PERMISSIONS_POLICY: dict[str, list[str]] = {
    "accelerometer": [],
    "autoplay": ["self"],
    "browsing-topics": [],
    "camera": [],
    "display-capture": [],
    "encrypted-media": [],
    "fullscreen": ["self"],
    "gamepad": [],
    "geolocation": [],
    "gyroscope": [],
    "hid": [],
    "idle-detection": [],
    "local-fonts": [],
    "magnetometer": [],
    "microphone": [],
    "midi": [],
    "payment": [],
    "picture-in-picture": ["self"],
    "publickey-credentials-create": ["self"],
    "publickey-credentials-get": ["self"],
    "screen-wake-lock": [],
    "serial": [],
    "usb": [],
    "window-management": [],
    "xr-spatial-tracking": [],
}
# Shown above the sign-in form (CJIS asks for a system-use notification); empty hides it.
# The default is in the Spanish catalogue too (accounts/templatetags/system_use.py translates
# it); a notice set here is shown as written.
LMS_SYSTEM_USE_NOTICE = env.str(
    "LMS_SYSTEM_USE_NOTICE",
    default=gettext_noop(
        "This system is for authorized use only. It holds law-enforcement training records. "
        "Activity on it is monitored and recorded, and anyone using it consents to that "
        "monitoring. Unauthorized use is prohibited and may lead to criminal, civil or "
        "administrative action."
    ),
)

# Product settings.
LMS_VIDEO_COMPLETION_THRESHOLD = (
    90  # percent of distinct seconds watched, unless a component says otherwise
)
LMS_VIDEO_MAX_PLAYBACK_RATE = (
    2.0  # the most seconds of video a learner can watch per wall-clock second
)
LMS_VIDEO_REPORT_SLACK_SECONDS = 10  # allowance for network delay and the first report
# The largest video an author may upload (bytes); checked by the studio's form.
LMS_VIDEO_MAX_BYTES = env.int("LMS_VIDEO_MAX_BYTES", default=500 * 1024 * 1024)
# The largest captions file (WebVTT) an author may upload or a series file may name (bytes).
LMS_CAPTIONS_MAX_BYTES = env.int("LMS_CAPTIONS_MAX_BYTES", default=1024 * 1024)
LMS_WELLNESS_RESOURCE_SLUG = "ncmec-coping-with-csam-exposure"
# Reminders: the steps are settings, not literals spread through the code.
LMS_REMINDER_DUE_SOON_DAYS = (7, 1)  # days before the due date
LMS_REMINDER_OVERDUE_EVERY_DAYS = 7
LMS_REMINDER_OVERDUE_MAX = 4
LMS_REMINDER_INACTIVE_DAYS = 14
LMS_REMINDER_SEND_HOUR = 8  # nothing is sent before this local hour of the agency
LMS_REMINDER_MAX_ATTEMPTS = 5
LMS_REMINDER_RETRY_BASE_SECONDS = 60  # doubled each attempt, with jitter
LMS_REMINDER_SENDING_TIMEOUT_SECONDS = 600  # a row “sending” longer than this is re-queued
# A send waits this long for the database to come back (a restart) before giving up the attempt;
# well under the timeout above, so the sweep never re-queues a row whose sender is still waiting.
LMS_REMINDER_DATABASE_WAIT_SECONDS = 120
LMS_REMINDER_CHUNK = 200  # reminders per send task
LMS_REFRESHER_OPENS_DAYS_BEFORE = 60  # a recurring assignment's next cycle opens this far ahead
# What follows a learner joining an agency, called by accounts.services.membership_ensure with
# ``user`` and ``agency`` in its transaction. Named here because accounts may not import the apps
# above it: the agency's whole-agency assignments reach the newcomer.
LMS_LEARNER_JOINED = ["courses.assignments.assignments_apply_to_new_learner"]
# What follows a member leaving an agency, called by accounts.services.membership_remove with
# ``user`` and ``agency`` in its transaction (each may return counts for the audit record): the
# agency's assignments let the learner go, and their queued reminders from it are cancelled.
LMS_MEMBER_LEFT = [
    "courses.assignments.assignments_release_learner",
    "reminders.services.reminders_cancel_for_member",
]
# What follows an account's deactivation (accounts.services.user_deactivate), called with
# ``user`` in its transaction: every queued reminder to them is cancelled.
LMS_USER_DEACTIVATED = ["reminders.services.reminders_cancel_for_account"]
# Called by courses.completion, in the transaction that records a series completion, with
# ``enrollment_ids`` and ``now``: the certificate is issued with it (courses may not import the
# certificates app, which sits above it).
LMS_SERIES_COMPLETED = ["certificates.services.certificates_issue"]
# The dashboard's figures are kept this long per agency (learners' progress shows within it).
LMS_DASHBOARD_CACHE_SECONDS = env.int("LMS_DASHBOARD_CACHE_SECONDS", default=60)
# The site's address, for links in emails and in signed credentials. Unset, the address the
# embedded server listens on: scripts/run-demo serves on PORT (8000 unless set), so
# `PORT=8101 make run` writes http://127.0.0.1:8101 into its emails.
_PORT = env.str("PORT", default="") or "8000"
if not (_PORT.isascii() and _PORT.isdigit()) or not 0 < int(_PORT) < 65536:
    raise ImproperlyConfigured(f"PORT must be a TCP port number (1 to 65535), not {_PORT!r}.")
LMS_BASE_URL = env.str("LMS_BASE_URL", default="") or f"http://127.0.0.1:{int(_PORT)}"
# Certificates are also Open Badges 3.0 credentials signed with this Ed25519 key (EdDSA): a JWK
# as JSON (a value starting with "{"), or the path of a file holding one. It may also be a JWK
# set {"keys": [...]}: the first key signs, the others (public parts are enough) stay published
# at /.well-known/jwks.json so credentials signed before a rotation still verify.
LMS_SIGNING_KEY = env.str("LMS_SIGNING_KEY", default="")
# With LMS_SIGNING_KEY unset (the embedded default, DEBUG on) a key is generated once into this
# file (mode 0600) and reused afterwards.
LMS_SIGNING_KEY_DEFAULT_FILE = BASE_DIR / "var" / "signing_key.jwk"
if not DEBUG and not LMS_SIGNING_KEY:
    # As with SECRET_KEY: a key generated on the fly by each server would sign credentials that
    # the other servers' key sets do not list, and a redeploy would lose it, and with it the
    # proof of every credential issued so far. Production states its key.
    raise ImproperlyConfigured(
        "DEBUG is off: set LMS_SIGNING_KEY to the Ed25519 signing key (a JWK as JSON, or the "
        "path of a file holding it)."
    )
LMS_CREDENTIAL_ISSUER_NAME = env.str("LMS_CREDENTIAL_ISSUER_NAME", default="Training Tracker")
# The toolkit's daily link check waits this long to connect, and for each answer (per request).
LMS_LINK_CHECK_TIMEOUT_SECONDS = env.float("LMS_LINK_CHECK_TIMEOUT_SECONDS", default=10.0)
# Loopback, private, link-local and other internal addresses are never fetched. Only tests that
# run a local HTTP server turn on loopback (never from the environment).
LMS_LINK_CHECK_ALLOW_LOOPBACK = False
# Supervisors, authors and staff must turn on MFA to reach their pages; off in the embedded demo.
LMS_REQUIRE_MFA = env.bool("LMS_REQUIRE_MFA", default=not DEBUG)
# With MFA required, a supervisor, author or staff member adding a first authenticator also
# enters a code emailed to their verified address: good this many minutes (and, once entered,
# the session has as long again to add the authenticator), for this many tries, at most this
# many codes an hour per user.
LMS_MFA_ENROLL_CODE_MINUTES = 10
LMS_MFA_ENROLL_CODE_ATTEMPTS = 5
LMS_MFA_ENROLL_CODES_PER_HOUR = 5

# The security log (audit app): kept this many days (never fewer than 365), purged daily.
LMS_AUDIT_RETENTION_DAYS = env.int("LMS_AUDIT_RETENTION_DAYS", default=400)
_AUDIT_LOG_FILE = env.str("LMS_AUDIT_LOG_FILE", default="")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {
        "console": {"class": "logging.StreamHandler"},
        "audit": (
            {"class": "logging.FileHandler", "filename": _AUDIT_LOG_FILE, "formatter": "bare"}
            if _AUDIT_LOG_FILE
            else {"class": "logging.StreamHandler", "formatter": "bare"}
        ),
    },
    "formatters": {"bare": {"format": "%(message)s"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        # WeasyPrint logs every layout step of every PDF at INFO.
        "weasyprint.progress": {"level": "WARNING"},
        # One JSON object per line per security event, for a SIEM to collect (stderr by default;
        # LMS_AUDIT_LOG_FILE appends to a file instead).
        "lms.audit": {"handlers": ["audit"], "level": "INFO", "propagate": False},
    },
}
