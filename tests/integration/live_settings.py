"""Settings for the live tests' subprocesses (Celery worker, beat, gunicorn) and for
``bench/reminders.py``.

The base settings (database, broker and SMTP server from the environment, as in production) with
only what a live test needs changed, read from variables the tests set:

- ``LMS_LIVE_QUEUE``: the queue the test's tasks go to and its worker consumes, so a test never
  takes another run's tasks;
- ``LMS_LIVE_RETRY_BASE_SECONDS``: the retry back-off, seconds rather than minutes.
"""

import os

from lms.settings.base import *  # noqa: F403

CELERY_TASK_DEFAULT_QUEUE = os.environ.get("LMS_LIVE_QUEUE", "celery")
LMS_REMINDER_RETRY_BASE_SECONDS = float(os.environ.get("LMS_LIVE_RETRY_BASE_SECONDS", "1"))
EMAIL_TIMEOUT = 10  # a sink that stops answering fails the send instead of hanging the worker
# Nothing is collected for the live processes: with DEBUG off, pages still render their static
# links (the manifest storage would refuse every one of them without collectstatic).
STORAGES = {
    **STORAGES,  # noqa: F405
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
